"""Shared by the stack tests: they need SIMSNAP_GATEWAY_URL and SIMSNAP_SERVICE_URL (PythonAdaptersIT sets them).
Without them a test is skipped, except under CI=true or SIMSNAP_REQUIRE_STACK=1, where it fails."""

import os
import unittest

HAVE_STACK = bool(os.environ.get("SIMSNAP_GATEWAY_URL") and os.environ.get("SIMSNAP_SERVICE_URL"))
REQUIRE_STACK = os.environ.get("CI") == "true" or os.environ.get("SIMSNAP_REQUIRE_STACK") == "1"
_WITHOUT = {x.strip() for x in os.environ.get("SIMSNAP_TESTS_WITHOUT", "").split(",") if x.strip()}

try:
    import pydantic
    HAVE_PYDANTIC = int(pydantic.VERSION.split(".")[0]) >= 2
except ImportError:
    HAVE_PYDANTIC = False


def needs_pydantic(test):
    return unittest.skipUnless(HAVE_PYDANTIC or (os.environ.get("CI") == "true" and "pydantic" not in _WITHOUT),
                               "pydantic is not installed")(test)


class StackTestCase(unittest.TestCase):
    def setUp(self):
        if not HAVE_STACK:
            if REQUIRE_STACK:
                self.fail("SIMSNAP_GATEWAY_URL and SIMSNAP_SERVICE_URL must be set (CI=true or"
                          " SIMSNAP_REQUIRE_STACK=1 make the stack tests fail instead of skipping)")
            self.skipTest("needs SIMSNAP_GATEWAY_URL and SIMSNAP_SERVICE_URL")
