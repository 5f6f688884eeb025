package dev.simsnap.schema.contract;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RequestPathsTest {

    @Test
    void namesTheSegmentAndWhatIsWrongWithIt() {
        assertThat(RequestPaths.problem("/runs/a%00b/start")).hasValueSatisfying(m -> assertThat(m)
                .startsWith("invalid run id 'a%00b': it contains an encoded NUL byte (%00); use 1-128"));
        assertThat(RequestPaths.problem("/runs/..%2F..%2Fetc")).hasValueSatisfying(m -> assertThat(m)
                .startsWith("invalid run id '..%2F..%2Fetc': it contains an encoded '/' (%2F)"));
        assertThat(RequestPaths.problem("/runs/r/workers/w%5cx/steps/1")).hasValueSatisfying(m -> assertThat(m)
                .startsWith("invalid worker id 'w%5cx': it contains an encoded '\\' (%5C)"));
        assertThat(RequestPaths.problem("/runs/r/items/c%20d")).hasValueSatisfying(m -> assertThat(m)
                .startsWith("invalid collection 'c%20d': it contains ' '"));
        assertThat(RequestPaths.problem("/internal/generations/.x/0")).hasValueSatisfying(m -> assertThat(m)
                .startsWith("invalid run id '.x': it starts with '.'"));
        assertThat(RequestPaths.problem("/runs/r/entities/person/1%2F2")).hasValue(
                "invalid path segment '1%2F2': it contains an encoded '/' (%2F)");
        assertThat(RequestPaths.problem("/runs/r/x/%2e%2e")).hasValue(
                "invalid path segment '%2e%2e': it is a '..' segment, which paths may not use");
    }

    @Test
    void acceptsOrdinaryPaths() {
        assertThat(RequestPaths.problem("/runs/run-1.a_b/workers/w0/steps/12?x=%2F")).isEmpty();
        assertThat(RequestPaths.problem("/runs/")).isEmpty();
        assertThat(RequestPaths.problem("/runs/r/entities/person/7")).isEmpty();
        assertThat(RequestPaths.problem("/health")).isEmpty();
    }

    @Test
    void runIdProblemsAreNamed() {
        assertThat(RunIds.problem("a\u0000b")).isEqualTo("contains a NUL byte");
        assertThat(RunIds.problem("a/b")).isEqualTo("contains '/'");
        assertThat(RunIds.problem("..")).isEqualTo("is '..'");
        assertThat(RunIds.problem("")).isEqualTo("is empty");
        assertThat(RunIds.problem("x".repeat(129))).isEqualTo("is 129 characters long");
        assertThat(RunIds.problem("a\tb")).isEqualTo("contains the control character U+0009");
        assertThat(RunIds.problem("é")).isEqualTo("contains 'é'");
    }
}
