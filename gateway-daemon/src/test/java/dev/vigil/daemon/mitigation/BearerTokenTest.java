package dev.vigil.daemon.mitigation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BearerTokenTest {
  @TempDir Path tmp;

  @Test
  void theRightTokenPasses_caseOfTheSchemeAndSpacesAside() {
    BearerToken t = BearerToken.of("s3cret");
    assertThat(t.enabled()).isTrue();
    assertThat(t.check("Bearer s3cret")).isNull();
    assertThat(t.check("bearer  s3cret ")).isNull();
  }

  @Test
  void aMissingOrWrongTokenIs401() {
    BearerToken t = BearerToken.of("s3cret");
    assertThat(t.check(null)).isEqualTo(refusal(401, "a bearer token is required"));
    assertThat(t.check("Bearer ")).isEqualTo(refusal(401, "a bearer token is required"));
    assertThat(t.check("Basic czNjcmV0")).isEqualTo(refusal(401, "a bearer token is required"));
    assertThat(t.check("Bearer s3cretx")).isEqualTo(refusal(401, "the bearer token is wrong"));
  }

  @Test
  void withoutATokenFileEveryMutationIs403() {
    BearerToken t = BearerToken.read(Optional.empty());
    assertThat(t.enabled()).isFalse();
    assertThat(t.check("Bearer anything").status()).isEqualTo(403);
    assertThat(t.check("Bearer anything").reason()).isEqualTo("forbidden");
    assertThat(t.problem()).contains("no mitigation.token-file");
  }

  @Test
  void readsTheFileTrimmed_andRefusesAnEmptyOrMissingOne() throws Exception {
    Path f = tmp.resolve("token");
    Files.writeString(f, "  abc\n");
    assertThat(BearerToken.read(Optional.of(f)).check("Bearer abc")).isNull();
    Files.writeString(f, " \n");
    assertThat(BearerToken.read(Optional.of(f)).problem()).contains("is empty");
    assertThat(BearerToken.read(Optional.of(tmp.resolve("absent"))).problem())
        .contains("cannot read the token file");
  }

  private static BearerToken.Refusal refusal(int status, String message) {
    return new BearerToken.Refusal(status, "unauthorized", message);
  }
}
