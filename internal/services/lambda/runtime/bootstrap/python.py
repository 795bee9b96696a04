# Virga's Lambda runtime for python3.x: loads the handler and serves it
# events through the Lambda Runtime API, with the standard library only.
import importlib
import json
import os
import sys
import time
import traceback
import urllib.error
import urllib.request

BASE = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime"


def call(method, path, body=None, headers=None):
    req = urllib.request.Request(BASE + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req) as resp:
            return resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.headers, e.read()


def error_doc(message, error_type, tb=None, request_id=""):
    stack = traceback.format_list(traceback.extract_tb(tb)) if tb is not None else []
    return {"errorMessage": message, "errorType": error_type, "requestId": request_id, "stackTrace": stack}


def post_error(path, doc):
    print("[ERROR] %s: %s" % (doc["errorType"], doc["errorMessage"]), flush=True)
    call("POST", path, json.dumps(doc).encode(),
         {"Content-Type": "application/json", "Lambda-Runtime-Function-Error-Type": doc["errorType"]})


class Context:
    def __init__(self, headers):
        self.aws_request_id = headers.get("Lambda-Runtime-Aws-Request-Id", "")
        self.invoked_function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn", "")
        self._deadline_ms = int(headers.get("Lambda-Runtime-Deadline-Ms", "0") or 0)
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        cc = headers.get("Lambda-Runtime-Client-Context")
        self.client_context = json.loads(cc) if cc else None
        ci = headers.get("Lambda-Runtime-Cognito-Identity")
        self.identity = json.loads(ci) if ci else None

    def get_remaining_time_in_millis(self):
        return max(self._deadline_ms - int(time.time() * 1000), 0)


def load_handler(spec):
    try:
        module_path, name = spec.rsplit(".", 1)
    except ValueError as e:
        raise HandlerError("Bad handler '%s': %s" % (spec, e), "Runtime.MalformedHandlerName")
    module_name = module_path.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise HandlerError("Unable to import module '%s': %s" % (module_path, e), "Runtime.ImportModuleError")
    except SyntaxError as e:
        raise HandlerError("Syntax error in module '%s': %s" % (module_path, e), "Runtime.UserCodeSyntaxError")
    handler = getattr(module, name, None)
    if handler is None:
        raise HandlerError("Handler '%s' missing on module '%s'" % (name, module_path), "Runtime.HandlerNotFound")
    return handler


class HandlerError(Exception):
    def __init__(self, message, error_type):
        super().__init__(message)
        self.error_type = error_type


def main():
    sys.path.insert(0, os.environ.get("LAMBDA_TASK_ROOT", "."))
    try:
        handler = load_handler(os.environ.get("_HANDLER", ""))
    except HandlerError as e:
        post_error("/init/error", error_doc(str(e), e.error_type))
        sys.exit(1)
    except Exception as e:
        post_error("/init/error", error_doc(str(e), type(e).__name__, e.__traceback__))
        sys.exit(1)
    while True:
        headers, body = call("GET", "/invocation/next")
        ctx = Context(headers)
        rid = ctx.aws_request_id
        try:
            event = json.loads(body) if body else None
        except ValueError as e:
            post_error("/invocation/%s/error" % rid,
                       error_doc("Unable to unmarshal input: %s" % e, "Runtime.UnmarshalError", None, rid))
            continue
        try:
            result = handler(event, ctx)
        except Exception as e:
            doc = error_doc(str(e), type(e).__name__, e.__traceback__, rid)
            traceback.print_exc()
            sys.stdout.flush()
            post_error("/invocation/%s/error" % rid, doc)
            continue
        try:
            out = json.dumps(result).encode()
        except (TypeError, ValueError) as e:
            post_error("/invocation/%s/error" % rid,
                       error_doc("Unable to marshal response: %s" % e, "Runtime.MarshalError", None, rid))
            continue
        sys.stdout.flush()
        sys.stderr.flush()
        call("POST", "/invocation/%s/response" % rid, out, {"Content-Type": "application/json"})


if __name__ == "__main__":
    main()
