// One shape for every IAM document the components write, and one trust-policy builder. The
// documents are pure values so that tests can read every statement (docs/security.md, "Identity").

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: "*" | Record<string, string | string[]>;
  readonly Action: string | string[];
  readonly Resource?: string | string[];
  readonly NotResource?: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

/** A policy document; `S` narrows its statements where a module always writes, e.g., a Sid. */
export interface PolicyDocument<S extends PolicyStatement = PolicyStatement> {
  readonly Version: "2012-10-17";
  readonly Statement: S[];
}

/** A policy document of these statements. */
export function policyDocument<S extends PolicyStatement>(...statements: S[]): PolicyDocument<S> {
  return { Version: "2012-10-17", Statement: statements };
}

/**
 * A trust policy that lets exactly one AWS service (or the given few that act as one, such as
 * MWAA's two) assume the role, optionally only under `condition` (e.g. the confused-deputy guard `aws:SourceAccount`/`aws:SourceArn`).
 */
export function serviceTrustPolicy(
  service: string | string[],
  condition?: PolicyStatement["Condition"],
): PolicyDocument {
  return policyDocument({
    Effect: "Allow",
    Principal: { Service: service },
    Action: "sts:AssumeRole",
    ...(condition ? { Condition: condition } : {}),
  });
}
