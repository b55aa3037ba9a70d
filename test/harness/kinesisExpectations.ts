// The exact statements the stream API's role must have, asserted both on the pure policy builder
// (test/components/kinesis/kinesisApiTemplates.test.ts) and on the role the component deploys
// (test/components/kinesis/kinesisStreamPath.test.ts): one expectation, so the two cannot drift apart.

/** The default routes' actions on exactly `streamArns`, and the account-wide ListStreams. */
export function streamApiStatements(streamArns: string[]) {
  return [
    {
      Sid: "StackStreams",
      Effect: "Allow",
      Action: [
        "kinesis:DescribeStream",
        "kinesis:GetRecords",
        "kinesis:GetShardIterator",
        "kinesis:PutRecord",
        "kinesis:PutRecords",
      ],
      Resource: streamArns,
    },
    { Sid: "ListIsAccountWide", Effect: "Allow", Action: ["kinesis:ListStreams"], Resource: "*" },
  ];
}
