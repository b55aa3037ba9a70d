// The Kinesis proxy API as data: routes, VTL mapping templates and JSON-schema models. Pure, so
// the component deploys exactly what the local renderer (local/gateway/) proves against a real
// Kinesis API. Templates follow API Gateway's VTL dialect (Velocity 1.7 + $input/$util/$context).
import { BAD_REQUEST_BODY_TEMPLATE, MODELS, ModelName } from "./kinesisApiModels";
import { sha256Hex } from "../shared/contentName";

/** Name of the REST API; CloudWatch's API metrics are keyed by it. */
export function kinesisApiName(prefix: string): string {
  return `${prefix}-stream-api`;
}

/** Every integration sends this to Kinesis (its JSON 1.1 protocol). */
export const KINESIS_CONTENT_TYPE = "application/x-amz-json-1.1";

export type KinesisAction =
  | "ListStreams"
  | "DescribeStream"
  | "CreateStream"
  | "DeleteStream"
  | "PutRecord"
  | "PutRecords"
  | "GetShardIterator"
  | "GetRecords";

/** One API resource (path segment) below the root; `parent` undefined means the root. */
export interface ApiResource {
  readonly key: string;
  readonly pathPart: string;
  readonly parent?: string;
}

/** One route: method on a resource, mapped to one Kinesis action. */
export interface KinesisRoute {
  /** Logical key; child resource names derive from it. */
  readonly key: string;
  readonly httpMethod: "GET" | "POST" | "PUT" | "DELETE";
  /** Key of the {@link ApiResource} the method sits on. */
  readonly resource: string;
  /** The full path, for documentation and the local router. */
  readonly path: string;
  readonly action: KinesisAction;
  /** Method request parameters (`method.request.<where>.<name>`) → required. */
  readonly requestParameters: Readonly<Record<string, boolean>>;
  readonly model?: ModelName;
  /** VTL turning the client request into the Kinesis request body. */
  readonly requestTemplate: string;
  /** VTL turning Kinesis's 200 answer into the client's; absent = passed through unchanged. */
  readonly responseTemplate?: string;
}

export const API_RESOURCES: readonly ApiResource[] = [
  { key: "streams", pathPart: "streams" },
  { key: "stream", pathPart: "{stream-name}", parent: "streams" },
  { key: "record", pathPart: "record", parent: "stream" },
  { key: "records", pathPart: "records", parent: "stream" },
  { key: "sharditerator", pathPart: "sharditerator", parent: "stream" },
];

/** Integration responses: Kinesis's HTTP status (AWS integrations match on it) → client status. */
export const INTEGRATION_RESPONSES = [
  { statusCode: "200", selectionPattern: undefined },
  { statusCode: "400", selectionPattern: "4\\d{2}" },
  { statusCode: "500", selectionPattern: "5\\d{2}" },
] as const;

// Path parameters are pasted into a JSON string, so they are escaped; Kinesis names cannot contain
// quotes, and a name that needs escaping fails at Kinesis (or IAM) rather than injecting a field.
const STREAM_FROM_PATH = `"StreamName": "$util.escapeJavaScript($input.params('stream-name'))"`;

// Body values are re-serialised with $input.json: exact JSON (quotes, unicode, nesting) and no
// `\'` from escapeJavaScript, which is not valid JSON.
export const PUT_RECORD_TEMPLATE = `{
  ${STREAM_FROM_PATH},
  "Data": "$util.base64Encode($input.json('$.Data'))",
  "PartitionKey": $input.json('$.PartitionKey')
}`;

// The widely copied template base64-encodes $elem.data, which Velocity renders as Java map text
// ({k=v}); here each element's data is re-serialised as JSON by its index.
export const PUT_RECORDS_TEMPLATE = `#set($records = $input.path('$.records'))
{
  ${STREAM_FROM_PATH},
  "Records": [
#foreach($record in $records)
    {
      "Data": "$util.base64Encode($input.json("$.records[$foreach.index].data"))",
      "PartitionKey": $input.json("$.records[$foreach.index]['partition-key']")
    }#if($foreach.hasNext),#end
#end
  ]
}`;

export const LIST_STREAMS_TEMPLATE = `#set($start = $input.params('ExclusiveStartStreamName'))
{#if($start != "")"ExclusiveStartStreamName": "$util.escapeJavaScript($start)"#end}`;

export const DESCRIBE_STREAM_TEMPLATE = `{${STREAM_FROM_PATH}}`;
export const DELETE_STREAM_TEMPLATE = `{${STREAM_FROM_PATH}}`;

/** Shards of a stream created through the API when the body names none. */
export const DEFAULT_CREATE_SHARD_COUNT = 1;
export const CREATE_STREAM_TEMPLATE = `#set($shards = $input.path('$.ShardCount'))
{
  ${STREAM_FROM_PATH},
#if("$!shards" == "")
  "ShardCount": ${DEFAULT_CREATE_SHARD_COUNT}
#else
  "ShardCount": $shards
#end
}`;

// Only the two iterator types that need no extra argument; anything else means TRIM_HORIZON.
export const GET_SHARD_ITERATOR_TEMPLATE = `{
  ${STREAM_FROM_PATH},
  "ShardId": "$util.escapeJavaScript($input.params('shard-id'))",
  "ShardIteratorType": "#if($input.params('iterator-type') == 'LATEST')LATEST#{else}TRIM_HORIZON#end"
}`;

export const GET_RECORDS_TEMPLATE = `{
  "ShardIterator": "$util.escapeJavaScript($input.params('Shard-Iterator'))"
}`;

/**
 * ListStreams answers with every stream of the account and IAM cannot scope it, so the answer is
 * filtered to this stack's names (`streaming-<prefix>-`).
 */
export function listStreamsResponseTemplate(prefix: string): string {
  return `#set($mine = [])
#foreach($name in $input.path('$.StreamNames'))
#if($name.startsWith("streaming-${prefix}-"))#set($added = $mine.add($name))#end
#end
{"StreamNames": [#foreach($name in $mine)"$name"#if($foreach.hasNext),#end#end], "HasMoreStreams": $input.json('$.HasMoreStreams')}`;
}

const path = (where: "path" | "querystring" | "header", name: string, required: boolean) => ({
  [`method.request.${where}.${name}`]: required,
});
const streamParam = path("path", "stream-name", true);

/** The route table of docs/pipeline.md §6 plus reading records; create/delete only with `streamAdmin`. */
export function kinesisRoutes(options: { prefix: string; streamAdmin: boolean }): KinesisRoute[] {
  const routes: KinesisRoute[] = [
    {
      key: "list-streams",
      httpMethod: "GET",
      resource: "streams",
      path: "/streams",
      action: "ListStreams",
      requestParameters: path("querystring", "ExclusiveStartStreamName", false),
      requestTemplate: LIST_STREAMS_TEMPLATE,
      responseTemplate: listStreamsResponseTemplate(options.prefix),
    },
    {
      key: "describe-stream",
      httpMethod: "GET",
      resource: "stream",
      path: "/streams/{stream-name}",
      action: "DescribeStream",
      requestParameters: streamParam,
      requestTemplate: DESCRIBE_STREAM_TEMPLATE,
    },
    {
      key: "put-record",
      httpMethod: "PUT",
      resource: "record",
      path: "/streams/{stream-name}/record",
      action: "PutRecord",
      requestParameters: streamParam,
      model: "PutRecordBody",
      requestTemplate: PUT_RECORD_TEMPLATE,
    },
    {
      key: "put-records",
      httpMethod: "PUT",
      resource: "records",
      path: "/streams/{stream-name}/records",
      action: "PutRecords",
      requestParameters: streamParam,
      model: "PutRecordsBody",
      requestTemplate: PUT_RECORDS_TEMPLATE,
    },
    {
      key: "get-shard-iterator",
      httpMethod: "GET",
      resource: "sharditerator",
      path: "/streams/{stream-name}/sharditerator",
      action: "GetShardIterator",
      requestParameters: {
        ...streamParam,
        ...path("querystring", "shard-id", true),
        ...path("querystring", "iterator-type", false),
      },
      requestTemplate: GET_SHARD_ITERATOR_TEMPLATE,
    },
    {
      key: "get-records",
      httpMethod: "GET",
      resource: "records",
      path: "/streams/{stream-name}/records",
      action: "GetRecords",
      requestParameters: { ...streamParam, ...path("header", "Shard-Iterator", true) },
      requestTemplate: GET_RECORDS_TEMPLATE,
    },
  ];
  if (options.streamAdmin) {
    routes.push(
      {
        key: "create-stream",
        httpMethod: "POST",
        resource: "stream",
        path: "/streams/{stream-name}",
        action: "CreateStream",
        requestParameters: streamParam,
        model: "CreateStreamBody",
        requestTemplate: CREATE_STREAM_TEMPLATE,
      },
      {
        key: "delete-stream",
        httpMethod: "DELETE",
        resource: "stream",
        path: "/streams/{stream-name}",
        action: "DeleteStream",
        requestParameters: streamParam,
        requestTemplate: DELETE_STREAM_TEMPLATE,
      },
    );
  }
  return routes;
}

/** Hash of everything a deployment snapshots: a new value redeploys the stage. */
export function apiFingerprint(routes: readonly KinesisRoute[]): string {
  const used = [...new Set(routes.flatMap((r) => (r.model ? [r.model] : [])))].sort();
  const content = JSON.stringify({
    routes,
    models: used.map((name) => MODELS[name]),
    resources: API_RESOURCES,
    responses: INTEGRATION_RESPONSES,
    badRequestBody: BAD_REQUEST_BODY_TEMPLATE,
  });
  return sha256Hex(content);
}
