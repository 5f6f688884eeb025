"""The HTTP helper sends SIMSNAP_TOKEN as a bearer token, and a 401 becomes a SimsnapError with the server's message."""

import http.server
import json
import os
import threading
import unittest
from unittest import mock

from simsnap import _http


class _Handler(http.server.BaseHTTPRequestHandler):
    seen = []

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        auth = self.headers.get("Authorization")
        _Handler.seen.append(auth)
        ok = auth == "Bearer s3cret"
        body = json.dumps({"status": "committed"} if ok else {"error": "authentication required: POST /x"})
        self.send_response(200 if ok else 401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode("utf-8"))

    def log_message(self, *args):
        pass


class HttpTokenTest(unittest.TestCase):

    def setUp(self):
        self.server = http.server.HTTPServer(("127.0.0.1", 0), _Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = "http://127.0.0.1:%d/x" % self.server.server_address[1]
        _Handler.seen = []

    def tearDown(self):
        self.server.shutdown()
        self.server.server_close()

    def test_token_from_the_environment_is_sent(self):
        with mock.patch.dict(os.environ, {"SIMSNAP_TOKEN": "s3cret"}):
            self.assertEqual(_http.post_json(self.url, {}), {"status": "committed"})
        self.assertEqual(_Handler.seen, ["Bearer s3cret"])

    def test_without_a_token_a_401_names_the_reason(self):
        env = {k: v for k, v in os.environ.items() if k != "SIMSNAP_TOKEN"}
        with mock.patch.dict(os.environ, env, clear=True):
            with self.assertRaises(_http.SimsnapError) as caught:
                _http.post_json(self.url, {})
        self.assertEqual(caught.exception.status, 401)
        self.assertIn("authentication required", str(caught.exception))
        self.assertEqual(_Handler.seen, [None])


if __name__ == "__main__":
    unittest.main()
