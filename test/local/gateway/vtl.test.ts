// The local API Gateway template engine. Expected values follow API Gateway's documented behaviour
// and the Java functions it uses (Commons Lang escapeJavaScript, URLEncoder, Map.toString); what a
// test here cannot prove is byte-equality with the real service, which no machine here can reach.
import { expect } from "chai";
import {
  escapeJavaScript,
  javaText,
  MappingRequest,
  MappingTemplateError,
  renderMappingTemplate,
  urlDecode,
  urlEncode,
} from "../../../local/gateway/vtl";

const render = (template: string, request: MappingRequest = {}) =>
  renderMappingTemplate(template, request);

describe("VTL renderer: $util", () => {
  const escapes: [string, string][] = [
    ["plain text 123", "plain text 123"],
    ["it's", "it\\'s"],
    ['say "hi"', 'say \\"hi\\"'],
    ["C:\\dir", "C:\\\\dir"],
    ["a/b", "a\\/b"],
    ["line\nnext\ttab\rret\bback\fform", "line\\nnext\\ttab\\rret\\bback\\fform"],
    ["\u0001\u001f", "\\u0001\\u001F"],
    ["\u007f", "\u007f"],
    ["é€", "\\u00E9\\u20AC"],
    ["😀", "\\uD83D\\uDE00"],
  ];
  const shown = (text: string) => JSON.stringify(text).replace(/\u007f/g, "\\u007f");
  for (const [input, expected] of escapes) {
    it(`escapeJavaScript(${shown(input)}) is ${shown(expected)}`, () => {
      expect(escapeJavaScript(input)).to.equal(expected);
      expect(
        render("$util.escapeJavaScript($input.params('v'))", { querystring: { v: input } }),
      ).to.equal(expected);
    });
  }

  it("urlEncode is Java's URLEncoder and urlDecode its inverse", () => {
    expect(urlEncode("a b&c=d/é*~'()!_.-")).to.equal("a+b%26c%3Dd%2F%C3%A9*%7E%27%28%29%21_.-");
    expect(urlDecode("a+b%26c%3Dd%2F%C3%A9")).to.equal("a b&c=d/é");
    expect(render("$util.urlEncode('x y')")).to.equal("x+y");
  });

  it("base64Encode encodes UTF-8 and base64Decode reverses it", () => {
    const text = '{"t":"é😀"}';
    const encoded = Buffer.from(text, "utf8").toString("base64");
    expect(render("$util.base64Encode($input.body)", { body: text })).to.equal(encoded);
    expect(
      render("$util.base64Decode($input.params('b'))", { querystring: { b: encoded } }),
    ).to.equal(text);
  });

  it("base64Encode of an object encodes Java's map text, as API Gateway does", () => {
    const body = JSON.stringify({ d: { a: 1, b: [true, null], c: "x y" } });
    expect(render("$util.base64Decode($util.base64Encode($input.path('$.d')))", { body })).to.equal(
      "{a=1, b=[true, null], c=x y}",
    );
  });

  it("parseJson gives an object whose fields templates can read", () => {
    const template = "#set($o = $util.parseJson($input.params('j')))$o.a[1] $o.b.c";
    expect(render(template, { querystring: { j: '{"a":[1,2],"b":{"c":"deep"}}' } })).to.equal(
      "2 deep",
    );
    expect(() => render("$util.parseJson('{nope')")).to.throw(MappingTemplateError, "not JSON");
  });

  it("prints values the way Java does", () => {
    expect(javaText({ a: 1, b: [1, "x", null], c: { d: false } })).to.equal(
      "{a=1, b=[1, x, null], c={d=false}}",
    );
  });
});

describe("VTL renderer: $input", () => {
  const body = JSON.stringify({
    records: [
      { data: { t: 'q"é' }, "partition-key": "a" },
      { data: [1, 2], "partition-key": "b" },
    ],
    n: 2.5,
  });

  it("$input.json re-serialises one value as JSON, $input.path returns it as an object", () => {
    expect(render("$input.json('$.records[0].data')", { body })).to.equal('{"t":"q\\"é"}');
    expect(render("$input.json('$.n')", { body })).to.equal("2.5");
    expect(render("$input.json(\"$.records[1]['partition-key']\")", { body })).to.equal('"b"');
    expect(render("$input.path('$.records[0].partition-key')", { body })).to.equal("a");
    expect(render("$input.path('$.records').size()", { body })).to.equal("2");
  });

  it("returns a list for paths that can match many nodes", () => {
    expect(render("$input.json('$.records[*].partition-key')", { body })).to.equal('["a","b"]');
    expect(render("$input.json('$..t')", { body })).to.equal('["q\\"é"]');
  });

  it("reads an empty body as {} and the raw body unchanged", () => {
    expect(render("$input.json('$')", { body: "" })).to.equal("{}");
    expect(render("$input.body", { body: ' {"a" : 1} ' })).to.equal(' {"a" : 1} ');
  });

  it("refuses a body that is not JSON once a template reads it as JSON", () => {
    expect(() => render("$input.json('$')", { body: "{a=1}" })).to.throw(
      MappingTemplateError,
      "The request body is not JSON",
    );
    expect(render("$input.body", { body: "{a=1}" })).to.equal("{a=1}");
  });

  it("finds a parameter in path, then query string, then headers (any case), else ''", () => {
    const request = {
      path: { id: "from-path" },
      querystring: { id: "from-query", q: "query" },
      header: { "X-Trace": "header" },
    };
    expect(
      render(
        "$input.params('id') $input.params('q') $input.params('x-trace') [$input.params('none')]",
        request,
      ),
    ).to.equal("from-path query header []");
    expect(
      render("$input.params().querystring.q $input.params().header.get('X-Trace')", request),
    ).to.equal("query header");
  });
});

describe("VTL renderer: Velocity, $context and $stageVariables", () => {
  it("iterates with $foreach.index, $foreach.hasNext and $velocityCount", () => {
    const body = '{"xs":["a","b","c"]}';
    expect(
      render(
        "#foreach($x in $input.path('$.xs'))$foreach.index$x$velocityCount#if($foreach.hasNext),#end#end",
        { body },
      ),
    ).to.equal("0a1,1b2,2c3");
  });

  it("renders an unknown reference literally and a quiet one as nothing", () => {
    expect(render("[$nothing] [$!nothing]")).to.equal("[$nothing] []");
  });

  it("fills $context with local defaults that callers override", () => {
    const out = render(
      "$context.stage $context.identity.sourceIp $context.identity.apiKeyId $context.httpMethod",
      {
        context: { stage: "v1", httpMethod: "PUT", identity: { apiKeyId: "key-1" } },
      },
    );
    expect(out).to.equal("v1 127.0.0.1 key-1 PUT");
    expect(render("$context.requestId")).to.match(/^local-[0-9a-z]+-[0-9a-z]+$/);
  });

  it("reads stage variables", () => {
    expect(render("$stageVariables.stream", { stageVariables: { stream: "s1" } })).to.equal("s1");
  });

  it("reports a template that does not parse", () => {
    expect(() => render("#if($x")).to.throw(MappingTemplateError, "Template does not parse");
  });
});
