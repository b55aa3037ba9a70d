// The stack runner the stack tests share lives beside the cost command that also uses it
// (tools/pulumi-mock/mockRun.ts).
export {
  PLUGIN,
  runStack,
  STACK_SECRETS,
  withStandInPlugin,
} from "../../tools/pulumi-mock/mockRun";
