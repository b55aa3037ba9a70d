// The shared Pulumi mock harness lives beside the cost command that also runs programs under it
// (tools/pulumi-mock/mockEngine.ts); tests import it from here.
export * from "../../tools/pulumi-mock/mockEngine";
