"""boto3 end-to-end flows against a running Virga (AWS_ENDPOINT_URL)."""
import hashlib
import os
import urllib.request

import boto3
from boto3.s3.transfer import TransferConfig

from e2e_cases import case, client_error, finish

work = os.environ["E2E_WORK"]
s3 = boto3.client("s3")
sqs = boto3.client("sqs")
sts = boto3.client("sts")


def error_code(call):
    code, status, _ = client_error(call)
    return code, status


@case
def sts_assume_role_maps_account():
    creds = sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/e2e", RoleSessionName="s1")["Credentials"]
    assumed = boto3.client("sts", aws_access_key_id=creds["AccessKeyId"],
                           aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])
    ident = assumed.get_caller_identity()
    assert ident["Account"] == "123456789012", ident
    assert ident["Arn"] == "arn:aws:sts::123456789012:assumed-role/e2e/s1", ident


@case
def s3_multipart_upload_file():
    s3.create_bucket(Bucket="e2e-boto3-bucket")
    path = os.path.join(work, "boto3.bin")
    with open(path, "wb") as f:
        f.write(os.urandom(24 * 1024 * 1024))
    cfg = TransferConfig(multipart_threshold=8 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024)
    s3.upload_file(path, "e2e-boto3-bucket", "big.bin", Config=cfg)
    head = s3.head_object(Bucket="e2e-boto3-bucket", Key="big.bin")
    assert head["ETag"].endswith('-3"'), head["ETag"]
    out = os.path.join(work, "boto3.out")
    s3.download_file("e2e-boto3-bucket", "big.bin", out, Config=cfg)
    assert hashlib.md5(open(path, "rb").read()).digest() == hashlib.md5(open(out, "rb").read()).digest()


@case
def s3_put_get_metadata_and_list():
    s3.put_object(Bucket="e2e-boto3-bucket", Key="dir/a.txt", Body=b"alpha", Metadata={"color": "blue"})
    s3.put_object(Bucket="e2e-boto3-bucket", Key="dir/sub/b.txt", Body=b"beta")
    got = s3.get_object(Bucket="e2e-boto3-bucket", Key="dir/a.txt")
    assert got["Body"].read() == b"alpha"
    assert got["Metadata"] == {"color": "blue"}, got["Metadata"]
    listed = s3.list_objects_v2(Bucket="e2e-boto3-bucket", Prefix="dir/", Delimiter="/")
    assert [o["Key"] for o in listed["Contents"]] == ["dir/a.txt"], listed
    assert [p["Prefix"] for p in listed["CommonPrefixes"]] == ["dir/sub/"], listed
    assert error_code(lambda: s3.get_object(Bucket="e2e-boto3-bucket", Key="nope")) == ("NoSuchKey", 404)


@case
def s3_presigned_put_and_get():
    url = s3.generate_presigned_url("put_object", Params={"Bucket": "e2e-boto3-bucket", "Key": "presigned.txt"}, ExpiresIn=300)
    req = urllib.request.Request(url, data=b"via presigned put", method="PUT")
    urllib.request.urlopen(req).read()
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "e2e-boto3-bucket", "Key": "presigned.txt"}, ExpiresIn=300)
    assert urllib.request.urlopen(url).read() == b"via presigned put"


@case
def sqs_send_receive_delete_and_fifo():
    q = sqs.create_queue(QueueName="e2e-boto3")["QueueUrl"]
    sqs.send_message(QueueUrl=q, MessageBody="hi", MessageAttributes={"k": {"DataType": "String", "StringValue": "v"}})
    msgs = sqs.receive_message(QueueUrl=q, WaitTimeSeconds=1, MessageAttributeNames=["All"])["Messages"]
    assert msgs[0]["Body"] == "hi" and msgs[0]["MessageAttributes"]["k"]["StringValue"] == "v", msgs
    sqs.delete_message(QueueUrl=q, ReceiptHandle=msgs[0]["ReceiptHandle"])
    fq = sqs.create_queue(QueueName="e2e-boto3.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
    for body in ["one", "two", "one"]:
        sqs.send_message(QueueUrl=fq, MessageBody=body, MessageGroupId="g")
    got = sqs.receive_message(QueueUrl=fq, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in got] == ["one", "two"], [m["Body"] for m in got]
    assert error_code(lambda: sqs.get_queue_url(QueueName="e2e-missing"))[0] in ("QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue")


finish("boto3")
