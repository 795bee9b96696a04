# Virga's Lambda runtime for python3.x: loads the handler and serves it
# events through the Lambda Runtime API, with the standard library only.
#
# Like AWS's runtime interface client (awslambdaric), it writes its own log
# records (unhandled errors, records of the logging module) as frames on
# the telemetry pipe the platform names in _LAMBDA_TELEMETRY_LOG_FD, so a
# multi-line record is one log event, while print() output on stdout is one
# event per line.
import importlib
import json
import logging
import os
import sys
import threading
import time
import traceback
import urllib.error
import urllib.request

BASE = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime"
BOOTSTRAP = os.path.abspath(__file__)

# Frame types of the telemetry pipe: text records, by level.
TEXT_FRAME = 0xA55A0003
TEXT_FRAMES = {
    logging.DEBUG: 0xA55A000B,
    logging.INFO: 0xA55A000F,
    logging.WARNING: 0xA55A0013,
    logging.ERROR: 0xA55A0017,
    logging.CRITICAL: 0xA55A001B,
}
# AWS indents the traceback lines of an error record with no-break spaces.
ERROR_INDENT = "\u00a0"

UNHANDLED_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code. However, in rare "
    "cases, a Lambda runtime update can cause unexpected function behavior. For functions using managed runtimes, "
    "runtime updates can be triggered by a function change, or can be applied automatically. To determine if the "
    "runtime has been updated, check the runtime version in the INIT_START log entry. If this error correlates with "
    "a change in the runtime version, you may be able to mitigate this error by temporarily rolling back to the "
    "previous runtime version. For more information, see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html"
)

request_id = ""


class LogSink:
    """Writes log records as telemetry frames (type, length, timestamp in
    microseconds, message; big-endian), or to stdout without the pipe."""

    def __init__(self):
        fd = os.environ.pop("_LAMBDA_TELEMETRY_LOG_FD", None)
        self.fd = None
        self.lock = threading.Lock()
        if fd is not None:
            try:
                self.fd = int(fd)
                os.set_inheritable(self.fd, False)
            except (ValueError, OSError):
                self.fd = None

    def log(self, msg, frame_type=TEXT_FRAME):
        if self.fd is None:
            sys.stdout.write(msg)
            sys.stdout.flush()
            return
        data = msg.encode("utf-8", "replace")
        frame = (frame_type.to_bytes(4, "big") + len(data).to_bytes(4, "big")
                 + (time.time_ns() // 1000).to_bytes(8, "big") + data)
        # What the function printed before comes first.
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        with self.lock:
            view = memoryview(frame)
            while view:
                view = view[os.write(self.fd, view):]

    def log_error(self, lines):
        if self.fd is None:
            # AWS's runtime outside Lambda joins the lines with "\r".
            self.log("\r".join(lines) + "\n")
        else:
            self.log("\n".join(lines), TEXT_FRAMES[logging.ERROR])


sink = LogSink()


class LambdaLoggerHandler(logging.Handler):
    """The root logger's handler on AWS: one record per frame."""

    def emit(self, record):
        try:
            msg = self.format(record)
            sink.log(msg, TEXT_FRAMES.get(min(50, max(0, record.levelno)) // 10 * 10, TEXT_FRAME))
        except Exception:
            self.handleError(record)


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = request_id
        return True


def setup_logging():
    logging.Formatter.converter = time.gmtime
    handler = LambdaLoggerHandler()
    handler.setFormatter(logging.Formatter(
        "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n", "%Y-%m-%dT%H:%M:%S"))
    handler.addFilter(RequestIdFilter())
    level = {None: "", "TRACE": "DEBUG"}.get(os.environ.get("AWS_LAMBDA_LOG_LEVEL"), os.environ.get("AWS_LAMBDA_LOG_LEVEL", "")).upper()
    root = logging.getLogger()
    if level in logging._nameToLevel:
        root.setLevel(level)
    root.addHandler(handler)


def call(method, path, body=None, headers=None):
    req = urllib.request.Request(BASE + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req) as resp:
            return resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.headers, e.read()


def user_frames(tb):
    """The traceback's frames without the leading ones of this bootstrap,
    as AWS leaves out its own bootstrap.py."""
    frames = traceback.extract_tb(tb)
    for i, frame in enumerate(frames):
        if os.path.abspath(frame.filename) != BOOTSTRAP:
            return frames[i:]
    return frames


def error_doc(message, error_type, stack=None, request_id=""):
    return {"errorMessage": message or "", "errorType": error_type or "", "requestId": request_id,
            "stackTrace": stack or []}


def exception_doc(e, request_id=""):
    return error_doc(str(e), type(e).__name__, traceback.format_list(user_frames(e.__traceback__)), request_id)


def log_error(doc):
    """Logs an error as AWS's runtime does: one record, "[ERROR] Type:
    message", then the traceback with no-break space indents."""
    head = "[ERROR]"
    if doc["errorType"]:
        head += " " + doc["errorType"]
    if doc["errorMessage"]:
        if doc["errorType"]:
            head += ":"
        head += " " + doc["errorMessage"]
    lines = [head, "Traceback (most recent call last):"]
    for element in doc["stackTrace"]:
        if element == "":
            lines.append("")
            continue
        for line in element.splitlines():
            stripped = line.lstrip(" ")
            lines.append(ERROR_INDENT * (len(line) - len(stripped)) + stripped)
    sink.log_error(lines)


def post_error(path, doc):
    log_error(doc)
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


class HandlerError(Exception):
    def __init__(self, message, error_type, stack=None):
        super().__init__(message)
        self.error_type = error_type
        self.stack = stack


def load_handler(spec):
    try:
        module_path, name = spec.rsplit(".", 1)
    except ValueError as e:
        raise HandlerError("Bad handler '%s': %s" % (spec, e), "Runtime.MalformedHandlerName")
    if module_path.split(".")[0] in sys.builtin_module_names:
        raise HandlerError("Cannot use built-in module %s as a handler module" % module_path, "Runtime.BuiltInModuleConflict")
    try:
        module = importlib.import_module(module_path.replace("/", "."))
    except ImportError as e:
        raise HandlerError("Unable to import module '%s': %s" % (module_path, e), "Runtime.ImportModuleError")
    except SyntaxError as e:
        raise HandlerError("Syntax error in module '%s': %s" % (module_path, e), "Runtime.UserCodeSyntaxError",
                           ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)])
    handler = getattr(module, name, None)
    if handler is None:
        raise HandlerError("Handler '%s' missing on module '%s'" % (name, module_path), "Runtime.HandlerNotFound")
    return handler


def main():
    global request_id
    sys.path.insert(0, os.environ.get("LAMBDA_TASK_ROOT", "."))
    setup_logging()
    try:
        handler = load_handler(os.environ.get("_HANDLER", ""))
    except Exception as e:
        if isinstance(e, HandlerError):
            doc = error_doc(str(e), e.error_type, e.stack)
        else:
            doc = exception_doc(e)
        logging.warning(UNHANDLED_WARNING)
        post_error("/init/error", doc)
        sys.exit(1)
    while True:
        headers, body = call("GET", "/invocation/next")
        ctx = Context(headers)
        rid = request_id = ctx.aws_request_id
        try:
            event = json.loads(body) if body else None
        except ValueError as e:
            post_error("/invocation/%s/error" % rid,
                       error_doc("Unable to unmarshal input: %s" % e, "Runtime.UnmarshalError", None, rid))
            continue
        try:
            result = handler(event, ctx)
        except Exception as e:
            post_error("/invocation/%s/error" % rid, exception_doc(e, rid))
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
