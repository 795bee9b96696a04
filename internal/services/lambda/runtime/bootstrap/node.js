// Virga's Lambda runtime for nodejs*.x: loads the handler and serves it
// events through the Lambda Runtime API, with Node's standard library only.
"use strict";
const http = require("http");
const path = require("path");
const fs = require("fs");
const { pathToFileURL } = require("url");
const util = require("util");

const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(":");
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let currentRequestId = "";

function call(method, p, body, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, method, agent, path: "/2018-06-01/runtime" + p, headers: headers || {} }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

// errorDoc is the error document posted to the Runtime API (AWS's
// toRapidResponse).
function errorDoc(err) {
  if (err instanceof Error) {
    return {
      errorType: err.name || "Error",
      errorMessage: err.message,
      trace: String(err.stack || "").split("\n"),
    };
  }
  return { errorType: typeof err, errorMessage: String(err), trace: [] };
}

// formatted renders an error for the log as AWS's runtime does: a tab,
// then JSON with errorType, errorMessage, code, the error's own enumerable
// properties and its stack as a list of lines.
function formatted(err) {
  const e = err instanceof Error ? err : new Error(err);
  try {
    return "\t" + JSON.stringify(e, (_k, v) => {
      if (!(v instanceof Error)) return v;
      const out = Object.assign({ errorType: v.name, errorMessage: v.message, code: v.code }, v);
      if (typeof v.stack === "string") out.stack = v.stack.split("\n");
      return out;
    });
  } catch (_) {
    return "\t" + JSON.stringify(errorDoc(e));
  }
}

// postError logs err under label ("Invoke Error", or "Uncaught Exception"
// for errors outside a handler's promise) and posts it to p.
async function postError(p, err, label) {
  console.error(label, formatted(err));
  await postDoc(p, errorDoc(err));
}

async function postDoc(p, doc) {
  await call("POST", p, JSON.stringify(doc), {
    "Content-Type": "application/json",
    "Lambda-Runtime-Function-Error-Type": doc.errorType,
  });
}

// The console writes one record per call, as AWS's runtime does: a frame
// on the telemetry pipe the platform names in _LAMBDA_TELEMETRY_LOG_FD
// (type, length, timestamp in microseconds, message; big-endian), so a
// multi-line message is one log event; without the pipe, a stdout line with
// its newlines turned into "\r".
const telemetryFd = process.env._LAMBDA_TELEMETRY_LOG_FD === undefined ? -1 : parseInt(process.env._LAMBDA_TELEMETRY_LOG_FD, 10);
delete process.env._LAMBDA_TELEMETRY_LOG_FD;

function writeRecord(level, args) {
  const now = new Date();
  const line = now.toISOString() + "\t" + (currentRequestId || "undefined") + "\t" + level.name + "\t" + util.format(...args);
  if (!(telemetryFd >= 0)) {
    process.stdout.write(line.replace(/\n/g, "\r") + "\n");
    return;
  }
  const msg = Buffer.from(line + "\n", "utf8");
  const head = Buffer.alloc(16);
  head.writeUInt32BE((0xa55a0003 | level.mask) >>> 0, 0);
  head.writeUInt32BE(msg.length, 4);
  head.writeBigInt64BE(BigInt(now.valueOf()) * 1000n, 8);
  const frame = Buffer.concat([head, msg]);
  for (let off = 0; off < frame.length; ) off += fs.writeSync(telemetryFd, frame, off);
}

const levels = {
  TRACE: { name: "TRACE", mask: 0b00100 },
  DEBUG: { name: "DEBUG", mask: 0b01000 },
  INFO: { name: "INFO", mask: 0b01100 },
  WARN: { name: "WARN", mask: 0b10000 },
  ERROR: { name: "ERROR", mask: 0b10100 },
  FATAL: { name: "FATAL", mask: 0b11000 },
};
for (const [name, level] of [["log", levels.INFO], ["info", levels.INFO], ["warn", levels.WARN], ["error", levels.ERROR],
  ["debug", levels.DEBUG], ["trace", levels.TRACE], ["fatal", levels.FATAL]]) {
  console[name] = (...args) => writeRecord(level, args);
}

class HandlerError extends Error {
  constructor(message, type) {
    super(message);
    this.name = type;
  }
}

async function loadHandler(spec) {
  const root = process.env.LAMBDA_TASK_ROOT || process.cwd();
  const dot = spec.indexOf(".", spec.lastIndexOf("/") + 1);
  if (dot < 0) throw new HandlerError("Bad handler " + spec, "Runtime.MalformedHandlerName");
  const modulePath = spec.slice(0, dot);
  const names = spec.slice(dot + 1).split(".");
  let file = null;
  for (const ext of [".js", ".mjs", ".cjs"]) {
    const f = path.resolve(root, modulePath + ext);
    if (fs.existsSync(f)) { file = f; break; }
  }
  if (file === null) {
    throw new HandlerError("Error: Cannot find module '" + path.basename(modulePath) + "'", "Runtime.ImportModuleError");
  }
  let mod;
  try {
    mod = await import(pathToFileURL(file).href);
  } catch (e) {
    if (e instanceof SyntaxError) throw new HandlerError(String(e), "Runtime.UserCodeSyntaxError");
    throw e;
  }
  let fn = mod;
  for (const n of names) fn = fn == null ? undefined : (fn[n] !== undefined ? fn[n] : (fn.default ? fn.default[n] : undefined));
  if (typeof fn !== "function") {
    throw new HandlerError(spec + " is undefined or not exported", "Runtime.HandlerNotFound");
  }
  return fn;
}

function makeContext(h) {
  const deadline = Number(h["lambda-runtime-deadline-ms"] || 0);
  return {
    callbackWaitsForEmptyEventLoop: true,
    awsRequestId: h["lambda-runtime-aws-request-id"],
    invokedFunctionArn: h["lambda-runtime-invoked-function-arn"],
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    clientContext: h["lambda-runtime-client-context"] ? JSON.parse(h["lambda-runtime-client-context"]) : undefined,
    identity: h["lambda-runtime-cognito-identity"] ? JSON.parse(h["lambda-runtime-cognito-identity"]) : undefined,
    getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
  };
}

function runHandler(fn, event, ctx) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const cb = (err, result) => {
      if (settled) return;
      settled = true;
      if (err !== undefined && err !== null) reject(err); else resolve(result);
    };
    ctx.done = cb;
    ctx.succeed = (r) => cb(null, r);
    ctx.fail = (e) => cb(e);
    try {
      const r = fn(event, ctx, cb);
      if (r && typeof r.then === "function") r.then((v) => cb(null, v), (e) => cb(e === undefined ? new Error("undefined") : e));
      else if (fn.length < 3) cb(null, r);
    } catch (e) {
      cb(e);
    }
  });
}

async function main() {
  let fn;
  try {
    fn = await loadHandler(process.env._HANDLER || "");
  } catch (e) {
    await postError("/init/error", e, "Uncaught Exception");
    process.exit(1);
  }
  for (;;) {
    const next = await call("GET", "/invocation/next");
    const ctx = makeContext(next.headers);
    currentRequestId = ctx.awsRequestId;
    let event;
    try {
      event = next.body.length ? JSON.parse(next.body.toString("utf8")) : null;
    } catch (e) {
      const doc = { errorType: "Runtime.UnmarshalError", errorMessage: String(e), trace: [] };
      console.error("Invoke Error", "\t" + JSON.stringify(doc));
      await postDoc("/invocation/" + ctx.awsRequestId + "/error", doc);
      continue;
    }
    try {
      const result = await runHandler(fn, event, ctx);
      const body = result === undefined ? "null" : JSON.stringify(result);
      await call("POST", "/invocation/" + ctx.awsRequestId + "/response", body === undefined ? "null" : body, { "Content-Type": "application/json" });
    } catch (e) {
      await postError("/invocation/" + ctx.awsRequestId + "/error", e, "Invoke Error");
    }
  }
}

process.on("uncaughtException", async (e) => {
  await postError(currentRequestId ? "/invocation/" + currentRequestId + "/error" : "/init/error", e, "Uncaught Exception");
  process.exit(129);
});

main();
