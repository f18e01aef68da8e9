package dev.vigil.mitigate.backend;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Records the commands it is given and answers them from a function, running nothing. */
final class FakeRunner extends CommandRunner {
  final List<List<String>> argvs = new ArrayList<>();
  final List<String> stdins = new ArrayList<>();
  private final Function<List<String>, String> stdout;

  FakeRunner(Function<List<String>, String> stdout) {
    super(Duration.ofSeconds(1));
    this.stdout = stdout;
  }

  FakeRunner() {
    this(argv -> "");
  }

  @Override
  Result exec(List<String> argv, String stdin) {
    argvs.add(List.copyOf(argv));
    stdins.add(stdin);
    return new Result(argv, 0, stdout.apply(argv), "");
  }
}
