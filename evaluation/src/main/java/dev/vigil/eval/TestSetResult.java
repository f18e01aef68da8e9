package dev.vigil.eval;

import java.util.List;

/**
 * Every method's figures on one test set.
 *
 * @param name the test set (e.g. {@code KDDTest+})
 * @param rows vectors in it
 * @param attacks attack vectors among them
 * @param methods one result per method, in the evaluation's order
 */
public record TestSetResult(String name, int rows, long attacks, List<MethodResult> methods) {
  /** Copies the list. */
  public TestSetResult {
    methods = List.copyOf(methods);
  }

  /** Returns the named method's result, if it ran. */
  public java.util.Optional<MethodResult> method(String name) {
    return methods.stream().filter(m -> m.name().equals(name)).findFirst();
  }
}
