import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { ValidationError } from "../../src/errors.ts";
import { decodeJson, encodePayload, encodeResult } from "../../src/policy/payload.ts";

const refuses = (value: unknown, pattern: RegExp, max = 1024): void => {
  assert.throws(
    () => encodePayload(value, max),
    (e: unknown) =>
      e instanceof ValidationError && e.code === "VALIDATION" && pattern.test(e.message),
  );
};

describe("payload encoding", () => {
  it("encodes plain JSON trees and drops undefined properties", () => {
    assert.equal(
      encodePayload({ a: [1, "x", null, true], b: { c: 2 }, d: undefined }, 1024),
      '{"a":[1,"x",null,true],"b":{"c":2}}',
    );
    assert.equal(encodePayload(null, 1024), "null");
    assert.equal(encodePayload(Object.create(null) as object, 1024), "{}");
  });

  it("refuses what JSON cannot hold, naming where it is", () => {
    refuses(undefined, /the payload is undefined/);
    refuses({ f: () => 1 }, /payload\.f is a function/);
    refuses({ n: 10n }, /payload\.n is a bigint/);
    refuses({ n: Number.NaN }, /payload\.n is NaN/);
    refuses([1, Number.POSITIVE_INFINITY], /payload\.1 is Infinity/);
    refuses({ s: Symbol("x") }, /is a symbol/);
    refuses([1, undefined], /payload\.1 is undefined; use null in arrays/);
    refuses({ when: new Date(0) }, /payload\.when is a Date/);
    refuses(new Map(), /the payload is a Map/);
  });

  it("refuses cycles but allows the same object twice", () => {
    const shared = { x: 1 };
    assert.equal(encodePayload({ a: shared, b: shared }, 1024), '{"a":{"x":1},"b":{"x":1}}');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    refuses(cyclic, /refers to itself/);
  });

  it("refuses keys that could pollute prototypes", () => {
    refuses(JSON.parse('{"__proto__":{"polluted":true}}'), /"__proto__"/);
    refuses({ a: JSON.parse('{"constructor":{"prototype":{"polluted":true}}}') }, /"prototype"/);
    assert.equal(
      encodePayload({ constructor: "a string is fine" }, 1024),
      '{"constructor":"a string is fine"}',
    );
  });

  it("refuses encodings over the size limit and says how large they were", () => {
    refuses({ s: "x".repeat(2000) }, /2008 bytes encoded, over the limit of 1024/);
    refuses("é".repeat(600), /1202 bytes/);
  });

  it("encodes an undefined result as null and explains an unstorable one", () => {
    assert.equal(encodeResult(undefined, 1024), "null");
    assert.throws(() => encodeResult(() => 1, 1024), /The handler's result is not storable/);
  });

  it("decodes without ever setting a prototype", () => {
    const decoded = decodeJson('{"__proto__":{"polluted":true},"a":1}') as Record<string, unknown>;
    assert.deepEqual(Object.keys(decoded), ["a"]);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf(decoded), Object.prototype);
    assert.equal(decodeJson(null), null);
  });

  it("drops a __proto__ key spelled with escapes too, and parses plain text unchanged", () => {
    const escaped = decodeJson('{"\\u005f_proto__":{"polluted":true},"b":[1,{"c":"d"}]}') as Record<
      string,
      unknown
    >;
    assert.deepEqual(Object.keys(escaped), ["b"]);
    assert.equal(Object.getPrototypeOf(escaped), Object.prototype);
    const nested = decodeJson('{"x":{"__proto__":1,"y":2}}') as { x: Record<string, unknown> };
    assert.deepEqual(Object.keys(nested.x), ["y"]);
    assert.deepEqual(decodeJson('{"n":1,"s":"a\\"b","l":[true,null]}'), {
      n: 1,
      s: 'a"b',
      l: [true, null],
    });
  });
});
