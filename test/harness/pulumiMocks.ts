// The shared Pulumi mock harness lives beside the cost command that also runs programs under it
// (stacks/cost/mockEngine.ts); tests import it from here.
export * from "../../stacks/cost/mockEngine";
