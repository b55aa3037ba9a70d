// Reads a real Pulumi.<stack>.yaml so stack tests run the program with the config users deploy
// (shared with the cost command: tools/pulumi-mock/mockRun.ts).
export { readStackConfig, REPO_ROOT } from "../../tools/pulumi-mock/mockRun";
