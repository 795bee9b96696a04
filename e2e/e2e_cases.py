"""What the boto3 end-to-end scripts share: cases that report and go on,
the error of a call that must fail, and the summary that sets the exit
status."""
import sys

import botocore.exceptions

results = {"passed": 0, "failed": 0}


def case(fn):
    """Runs fn as a named case: a failure is reported and the script goes on."""
    try:
        fn()
        results["passed"] += 1
        print("ok  ", fn.__name__)
    except Exception as e:  # report every failure, keep going
        results["failed"] += 1
        print("FAIL", fn.__name__, repr(e))


def client_error(call):
    """Runs call, which must fail with a service error; returns its code,
    HTTP status and message."""
    try:
        call()
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"].get("Message", "")
    raise AssertionError("call succeeded, expected an error")


def finish(label):
    """Prints the summary and exits non-zero when a case failed."""
    print(f"{label}: {results['passed']} passed, {results['failed']} failed")
    sys.exit(1 if results["failed"] else 0)
