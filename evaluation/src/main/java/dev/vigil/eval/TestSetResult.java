package dev.vigil.eval;

import java.util.List;

/**
 * Every method's figures on one test set.
 *
 * @param name the test set (e.g. {@code KDDTest+})
 * @param rows vectors in it
 * @param attacks attack vectors among them
 * @param methods one result per method, in the evaluation's order
 * @param notes Markdown on how some method was run on this set (the early windows' second reading),
 *     or empty
 */
public record TestSetResult(
    String name, int rows, long attacks, List<MethodResult> methods, String notes) {
  /** Copies the list; a null {@code notes} is empty. */
  public TestSetResult {
    methods = List.copyOf(methods);
    notes = notes == null ? "" : notes;
  }

  /** A result without notes. */
  public TestSetResult(String name, int rows, long attacks, List<MethodResult> methods) {
    this(name, rows, attacks, methods, "");
  }

  /** Returns the named method's result, if it ran. */
  public java.util.Optional<MethodResult> method(String name) {
    return methods.stream().filter(m -> m.name().equals(name)).findFirst();
  }
}
