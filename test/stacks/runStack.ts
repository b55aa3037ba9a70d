// The stack runner the stack tests share lives beside the cost command that also uses it
// (stacks/cost/mockRun.ts).
export { PLUGIN, runStack, STACK_SECRETS, withStandInPlugin } from "../../stacks/cost/mockRun";
