// The policy pack: `pulumi preview --policy-pack policy` (or `pulumi up --policy-pack policy`) runs
// every policy of ./policies.ts over the stack's resources, with their real inputs. Mandatory
// policies stop the update; the advisory ones are printed (docs/security.md).
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("pinterest-pipeline-security", {
  description: "The pinterest-pipeline security rules of docs/security.md",
  policies,
});
