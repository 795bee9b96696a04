package sqs

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

func TestSendReceiveDelete(t *testing.T) {
	e := start(t, true)
	url := e.createQueue("basic", nil)
	out := e.send(url, "hello")
	if *out.MD5OfMessageBody != "5d41402abc4b2a76b9719d911017c592" {
		t.Errorf("MD5OfMessageBody %s", *out.MD5OfMessageBody)
	}
	if out.MD5OfMessageAttributes != nil || out.SequenceNumber != nil {
		t.Errorf("unexpected MD5OfMessageAttributes/SequenceNumber: %+v", out)
	}
	sentAt := e.clock.Now().UnixMilli()
	e.advance(2 * time.Second)
	msgs := e.receive(url, 10)
	if len(msgs) != 1 {
		t.Fatalf("received %d messages", len(msgs))
	}
	m := msgs[0]
	if *m.Body != "hello" || *m.MessageId != *out.MessageId || *m.MD5OfBody != *out.MD5OfMessageBody {
		t.Errorf("message %+v", m)
	}
	want := map[string]string{
		"SenderId":                         "000000000000",
		"SentTimestamp":                    strconv.FormatInt(sentAt, 10),
		"ApproximateReceiveCount":          "1",
		"ApproximateFirstReceiveTimestamp": strconv.FormatInt(sentAt+2000, 10),
	}
	if fmt.Sprint(m.Attributes) != fmt.Sprint(want) {
		t.Errorf("Attributes %v, want %v", m.Attributes, want)
	}
	a := e.attrs(url)
	if a["ApproximateNumberOfMessages"] != "0" || a["ApproximateNumberOfMessagesNotVisible"] != "1" {
		t.Errorf("counts after receive: %v", a)
	}
	if _, err := e.client.DeleteMessage(e.ctx, &awssqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: m.ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.DeleteMessage(e.ctx, &awssqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: m.ReceiptHandle}); err != nil {
		t.Errorf("deleting twice: %v", err)
	}
	if a := e.attrs(url); a["ApproximateNumberOfMessagesNotVisible"] != "0" {
		t.Errorf("counts after delete: %v", a)
	}
	e.advance(time.Minute)
	if msgs := e.receive(url, 10); len(msgs) != 0 {
		t.Errorf("deleted message came back: %v", msgs)
	}
	for _, h := range []string{"garbage", "AQEBxyz==", ""} {
		_, err := e.client.DeleteMessage(e.ctx, &awssqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: str(h)})
		if h == "" {
			wantError(t, err, "ReceiptHandleIsInvalid", "", 404)
			continue
		}
		wantError(t, err, "ReceiptHandleIsInvalid", `The input receipt handle "`+h+`" is not a valid receipt handle.`, 404)
	}
	other := e.createQueue("other", nil)
	_, err := e.client.DeleteMessage(e.ctx, &awssqs.DeleteMessageInput{QueueUrl: &other, ReceiptHandle: m.ReceiptHandle})
	wantError(t, err, "ReceiptHandleIsInvalid", "", 404)
}

// The MD5 values below were recorded from AWS (LocalStack's validated
// snapshots of test_sqs.py).
func TestMessageAttributesAndMD5(t *testing.T) {
	e := start(t, false)
	url := e.createQueue("attrs", map[string]string{"VisibilityTimeout": "0"})
	attrs := map[string]types.MessageAttributeValue{
		"General": {DataType: str("String"), StringValue: str("Kenobi")},
		"Hello":   {DataType: str("String"), StringValue: str("There")},
		"Help.Me": {DataType: str("String"), StringValue: str("Me")},
	}
	out, err := e.client.SendMessage(e.ctx, &awssqs.SendMessageInput{QueueUrl: &url, MessageBody: str("msg"), MessageAttributes: attrs})
	if err != nil {
		t.Fatal(err)
	}
	if *out.MD5OfMessageAttributes != "4c360f3fdafd970e05fae2f149d997f5" || *out.MD5OfMessageBody != "6e2baaf3b97dbeef01c0043275f9a0e7" {
		t.Errorf("MD5s %s %s", *out.MD5OfMessageAttributes, *out.MD5OfMessageBody)
	}
	for _, tc := range []struct {
		names []string
		want  string // attribute names
		md5   string
	}{
		{nil, "", ""},
		{[]string{"All"}, "General,Hello,Help.Me", "4c360f3fdafd970e05fae2f149d997f5"},
		{[]string{".*"}, "General,Hello,Help.Me", "4c360f3fdafd970e05fae2f149d997f5"},
		{[]string{"General", "Hello"}, "General,Hello", "fca026605781cb4126a1e9044df24232"},
		{[]string{"Hello", "Missing"}, "Hello", "a311262e065454b75da111d535b8dacd"},
		{[]string{"He.*"}, "Hello,Help.Me", "83fee93c1bcd8b9a5a923ffacdc636c7"},
		{[]string{"Missing"}, "", ""},
	} {
		got, err := e.client.ReceiveMessage(e.ctx, &awssqs.ReceiveMessageInput{QueueUrl: &url, MessageAttributeNames: tc.names})
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Messages) != 1 {
			t.Fatalf("%v: %d messages", tc.names, len(got.Messages))
		}
		m := got.Messages[0]
		var names []string
		for _, n := range []string{"General", "Hello", "Help.Me"} {
			if _, ok := m.MessageAttributes[n]; ok {
				names = append(names, n)
			}
		}
		md5 := ""
		if m.MD5OfMessageAttributes != nil {
			md5 = *m.MD5OfMessageAttributes
		}
		if strings.Join(names, ",") != tc.want || md5 != tc.md5 || len(m.MessageAttributes) != len(names) {
			t.Errorf("%v: attributes %v md5 %q, want %s %q", tc.names, m.MessageAttributes, md5, tc.want, tc.md5)
		}
	}

	url2 := e.createQueue("attrs2", nil)
	e.client.SendMessage(e.ctx, &awssqs.SendMessageInput{QueueUrl: &url2, MessageBody: str("msg"),
		MessageAttributes: map[string]types.MessageAttributeValue{"Foo": {DataType: str("String"), StringValue: str("Bar")}}})
	if m := e.receive(url2, 1); len(m) != 1 || *m[0].MD5OfMessageAttributes != "ae7155c6026991b6d54b11589678bf9c" {
		t.Errorf("Foo=Bar: %+v", m)
	}
	url3 := e.createQueue("attrs3", nil)
	bin := []byte("traceparent\x1e00-774062d6c37081a5a0b9b5b88e30627c-2d2482211f6489da-01")
	e.client.SendMessage(e.ctx, &awssqs.SendMessageInput{QueueUrl: &url3, MessageBody: str("test"),
		MessageAttributes: map[string]types.MessageAttributeValue{"attr1": {DataType: str("Binary"), BinaryValue: bin}}})
	m := e.receive(url3, 1)
	if len(m) != 1 || *m[0].MD5OfMessageAttributes != "8cbe4db156db8a94db8b801b7addb984" || string(m[0].MessageAttributes["attr1"].BinaryValue) != string(bin) {
		t.Errorf("binary attribute: %+v", m)
	}

	// Custom types, numbers and the trace header.
	url4 := e.createQueue("attrs4", nil)
	out, err = e.client.SendMessage(e.ctx, &awssqs.SendMessageInput{QueueUrl: &url4, MessageBody: str("x"),
		MessageAttributes: map[string]types.MessageAttributeValue{
			"n":   {DataType: str("Number.float"), StringValue: str("-1.5e3")},
			"s":   {DataType: str("String.custom"), StringValue: str("ünïcode")},
			"bin": {DataType: str("Binary.gz"), BinaryValue: []byte{0, 1, 2}},
		},
		MessageSystemAttributes: map[string]types.MessageSystemAttributeValue{
			"AWSTraceHeader": {DataType: str("String"), StringValue: str("Root=1-5759e988-bd862e3fe1be46a994272793")},
		}})
	if err != nil {
		t.Fatal(err)
	}
	if out.MD5OfMessageSystemAttributes == nil || len(*out.MD5OfMessageSystemAttributes) != 32 {
		t.Errorf("MD5OfMessageSystemAttributes %v", out.MD5OfMessageSystemAttributes)
	}
	m = e.receive(url4, 1)
	if len(m) != 1 || m[0].Attributes["AWSTraceHeader"] != "Root=1-5759e988-bd862e3fe1be46a994272793" ||
		*m[0].MessageAttributes["n"].DataType != "Number.float" || *m[0].MD5OfMessageAttributes != *out.MD5OfMessageAttributes {
		t.Errorf("custom attributes: %+v", m)
	}
}

func TestSendValidation(t *testing.T) {
	e := start(t, false)
	url := e.createQueue("validate", nil)
	send := func(body string, attrs map[string]types.MessageAttributeValue) error {
		_, err := e.client.SendMessage(e.ctx, &awssqs.SendMessageInput{QueueUrl: &url, MessageBody: &body, MessageAttributes: attrs})
		return err
	}
	wantError(t, send("", nil), "MissingParameter", "The request must contain the parameter MessageBody.", 400)
	wantError(t, send("bad\x00char", nil), "InvalidMessageContents",
		"Invalid binary character '#x0' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].", 400)
	wantError(t, send("bad \uffff char", nil), "InvalidMessageContents", "", 400)
	if err := send("tab\tnewline\ncr\r emoji 😀 \ufffd", nil); err != nil {
		t.Errorf("allowed characters: %v", err)
	}
	if err := send(strings.Repeat("x", 1<<20), nil); err != nil {
		t.Errorf("1 MiB body: %v", err)
	}
	wantError(t, send(strings.Repeat("x", 1<<20+1), nil), "InvalidParameterValue",
		"One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes.", 400)
	wantError(t, send(strings.Repeat("x", 1<<20-3), map[string]types.MessageAttributeValue{"a": {DataType: str("String"), StringValue: str("b")}}),
		"InvalidParameterValue", "One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes.", 400)

	small := e.createQueue("small", map[string]string{"MaximumMessageSize": "1024"})
	_, err := e.client.SendMessage(e.ctx, &awssqs.SendMessageInput{QueueUrl: &small, MessageBody: str(strings.Repeat("x", 1025))})
	wantError(t, err, "InvalidParameterValue", "One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.", 400)

	_, err = e.client.SendMessage(e.ctx, &awssqs.SendMessageInput{QueueUrl: &url, MessageBody: str("x"), DelaySeconds: 901})
	wantError(t, err, "InvalidParameterValue", "", 400)
	_, err = e.client.SendMessage(e.ctx, &awssqs.SendMessageInput{QueueUrl: &url, MessageBody: str("x"), MessageDeduplicationId: str("d")})
	wantError(t, err, "InvalidParameterValue", "Value d for parameter MessageDeduplicationId is invalid. Reason: The request includes a parameter that is not valid for this queue type.", 400)

	eleven := map[string]types.MessageAttributeValue{}
	for i := 0; i < 11; i++ {
		eleven[fmt.Sprint("a", i)] = types.MessageAttributeValue{DataType: str("String"), StringValue: str("v")}
	}
	for _, tc := range []struct {
		attrs map[string]types.MessageAttributeValue
		msg   string
	}{
		{eleven, "Number of message attributes [11] exceeds the allowed maximum [10]."},
		{map[string]types.MessageAttributeValue{"ErrorDetails": {DataType: str("String"), StringValue: str("")}},
			"Message (user) attribute 'ErrorDetails' must contain a non-empty value of type 'String'."},
		{map[string]types.MessageAttributeValue{"b": {DataType: str("Binary")}},
			"Message (user) attribute 'b' must contain a non-empty value of type 'Binary'."},
		{map[string]types.MessageAttributeValue{"n": {DataType: str("Number"), StringValue: str("12a")}},
			"Can't cast the value of message (user) attribute 'n' to a number."},
		{map[string]types.MessageAttributeValue{"t": {DataType: str("Date"), StringValue: str("x")}},
			"The message attribute 't' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String."},
		{map[string]types.MessageAttributeValue{"AWS.reserved": {DataType: str("String"), StringValue: str("x")}},
			"You can't use message attribute names beginning with 'AWS.' or 'Amazon.'. These strings are reserved for internal use. Additionally, they cannot start or end with '.'."},
		{map[string]types.MessageAttributeValue{"trailing.": {DataType: str("String"), StringValue: str("x")}},
			"You can't use message attribute names beginning with 'AWS.' or 'Amazon.'. These strings are reserved for internal use. Additionally, they cannot start or end with '.'."},
		{map[string]types.MessageAttributeValue{"sp ace": {DataType: str("String"), StringValue: str("x")}}, ""},
	} {
		wantError(t, send("body", tc.attrs), "InvalidParameterValue", tc.msg, 400)
	}
	_, err = e.client.SendMessage(e.ctx, &awssqs.SendMessageInput{QueueUrl: &url, MessageBody: str("x"),
		MessageSystemAttributes: map[string]types.MessageSystemAttributeValue{"AWSTraceHeader": {DataType: str("Binary"), BinaryValue: []byte("x")}}})
	wantError(t, err, "InvalidParameterValue", "", 400)
}

func TestSendMessageBatch(t *testing.T) {
	e := start(t, false)
	url := e.createQueue("batch", nil)
	entries := []types.SendMessageBatchRequestEntry{
		{Id: str("ok-1"), MessageBody: str("one")},
		{Id: str("bad"), MessageBody: str("bad\x01")},
		{Id: str("ok_2"), MessageBody: str("two"), DelaySeconds: 1,
			MessageAttributes: map[string]types.MessageAttributeValue{"k": {DataType: str("String"), StringValue: str("v")}}},
	}
	out, err := e.client.SendMessageBatch(e.ctx, &awssqs.SendMessageBatchInput{QueueUrl: &url, Entries: entries})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Successful) != 2 || len(out.Failed) != 1 {
		t.Fatalf("successful %d failed %d", len(out.Successful), len(out.Failed))
	}
	f := out.Failed[0]
	if *f.Id != "bad" || *f.Code != "InvalidMessageContents" || !f.SenderFault || !strings.HasPrefix(*f.Message, "Invalid binary character '#x1'") {
		t.Errorf("failed entry %+v %s %s", f, *f.Code, *f.Message)
	}
	if s := out.Successful[1]; *s.Id != "ok_2" || s.MD5OfMessageAttributes == nil || *s.MD5OfMessageBody != md5Hex("two") {
		t.Errorf("successful entry %+v", s)
	}

	batch := func(entries []types.SendMessageBatchRequestEntry) error {
		_, err := e.client.SendMessageBatch(e.ctx, &awssqs.SendMessageBatchInput{QueueUrl: &url, Entries: entries})
		return err
	}
	wantError(t, batch([]types.SendMessageBatchRequestEntry{}), "AWS.SimpleQueueService.EmptyBatchRequest", "There should be at least one SendMessageBatchRequestEntry in the request.", 400)
	var many []types.SendMessageBatchRequestEntry
	for i := 0; i < 11; i++ {
		many = append(many, types.SendMessageBatchRequestEntry{Id: str(fmt.Sprint(i)), MessageBody: str("x")})
	}
	wantError(t, batch(many), "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", "Maximum number of entries per request are 10. You have sent 11.", 400)
	for _, id := range []string{"", "invalid:id", strings.Repeat("x", 81)} {
		wantError(t, batch([]types.SendMessageBatchRequestEntry{{Id: str(id), MessageBody: str("x")}}),
			"AWS.SimpleQueueService.InvalidBatchEntryId", "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.", 400)
	}
	wantError(t, batch([]types.SendMessageBatchRequestEntry{{Id: str("a"), MessageBody: str("x")}, {Id: str("a"), MessageBody: str("y")}}),
		"AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "Id a repeated.", 400)
	half := strings.Repeat("x", 1<<19)
	wantError(t, batch([]types.SendMessageBatchRequestEntry{{Id: str("a"), MessageBody: str(half)}, {Id: str("b"), MessageBody: str(half + "y")}}),
		"AWS.SimpleQueueService.BatchRequestTooLong", "Batch requests cannot be longer than 1048576 bytes. You have sent 1048577 bytes.", 400)
	var tooLong *types.BatchRequestTooLong
	if err := batch([]types.SendMessageBatchRequestEntry{{Id: str("a"), MessageBody: str(half)}, {Id: str("b"), MessageBody: str(half + "y")}}); !errors.As(err, &tooLong) {
		t.Errorf("error %T is not a *types.BatchRequestTooLong", err)
	}
}

func TestDeleteAndVisibilityBatches(t *testing.T) {
	e := start(t, true)
	url := e.createQueue("batches", nil)
	for i := 0; i < 3; i++ {
		e.send(url, fmt.Sprint("m", i))
	}
	msgs := e.receive(url, 3)
	if len(msgs) != 3 {
		t.Fatalf("received %d", len(msgs))
	}
	cv, err := e.client.ChangeMessageVisibilityBatch(e.ctx, &awssqs.ChangeMessageVisibilityBatchInput{QueueUrl: &url,
		Entries: []types.ChangeMessageVisibilityBatchRequestEntry{
			{Id: str("a"), ReceiptHandle: msgs[0].ReceiptHandle, VisibilityTimeout: 0},
			{Id: str("b"), ReceiptHandle: str("nope"), VisibilityTimeout: 10},
		}})
	if err != nil {
		t.Fatal(err)
	}
	if len(cv.Successful) != 1 || len(cv.Failed) != 1 || *cv.Failed[0].Code != "ReceiptHandleIsInvalid" || !cv.Failed[0].SenderFault {
		t.Errorf("ChangeMessageVisibilityBatch: %+v", cv)
	}
	if a := e.attrs(url); a["ApproximateNumberOfMessages"] != "1" || a["ApproximateNumberOfMessagesNotVisible"] != "2" {
		t.Errorf("counts after visibility change: %v", a)
	}
	del, err := e.client.DeleteMessageBatch(e.ctx, &awssqs.DeleteMessageBatchInput{QueueUrl: &url,
		Entries: []types.DeleteMessageBatchRequestEntry{
			{Id: str("x"), ReceiptHandle: msgs[1].ReceiptHandle},
			{Id: str("y"), ReceiptHandle: msgs[2].ReceiptHandle},
			{Id: str("z"), ReceiptHandle: str("invalid")},
		}})
	if err != nil {
		t.Fatal(err)
	}
	if len(del.Successful) != 2 || len(del.Failed) != 1 || *del.Failed[0].Id != "z" ||
		*del.Failed[0].Message != `The input receipt handle "invalid" is not a valid receipt handle.` {
		t.Errorf("DeleteMessageBatch: %+v", del)
	}
	_, err = e.client.DeleteMessageBatch(e.ctx, &awssqs.DeleteMessageBatchInput{QueueUrl: &url, Entries: []types.DeleteMessageBatchRequestEntry{}})
	wantError(t, err, "AWS.SimpleQueueService.EmptyBatchRequest", "There should be at least one DeleteMessageBatchRequestEntry in the request.", 400)
	var twenty []types.ChangeMessageVisibilityBatchRequestEntry
	for i := 0; i < 20; i++ {
		twenty = append(twenty, types.ChangeMessageVisibilityBatchRequestEntry{Id: str(fmt.Sprint(i)), ReceiptHandle: str("h")})
	}
	_, err = e.client.ChangeMessageVisibilityBatch(e.ctx, &awssqs.ChangeMessageVisibilityBatchInput{QueueUrl: &url, Entries: twenty})
	wantError(t, err, "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", "Maximum number of entries per request are 10. You have sent 20.", 400)
}

func TestVisibilityTimeoutOnTheClock(t *testing.T) {
	e := start(t, true)
	url := e.createQueue("vis", map[string]string{"VisibilityTimeout": "30"})
	e.send(url, "m")
	first := e.receive(url, 1)
	if len(first) != 1 {
		t.Fatal("no message")
	}
	e.advance(29 * time.Second)
	if got := e.receive(url, 1); len(got) != 0 {
		t.Fatalf("visible before the timeout: %v", got)
	}
	e.advance(time.Second)
	second := e.receive(url, 1)
	if len(second) != 1 || second[0].Attributes["ApproximateReceiveCount"] != "2" || *second[0].ReceiptHandle == *first[0].ReceiptHandle {
		t.Fatalf("after the timeout: %+v", second)
	}
	if second[0].Attributes["ApproximateFirstReceiveTimestamp"] != first[0].Attributes["ApproximateFirstReceiveTimestamp"] {
		t.Errorf("ApproximateFirstReceiveTimestamp changed")
	}

	// The 12-hour limit counts from the receive.
	h := second[0].ReceiptHandle
	change := func(handle *string, timeout int32) error {
		_, err := e.client.ChangeMessageVisibility(e.ctx, &awssqs.ChangeMessageVisibilityInput{QueueUrl: &url, ReceiptHandle: handle, VisibilityTimeout: timeout})
		return err
	}
	if err := change(h, 43200); err != nil {
		t.Fatalf("12 h right after the receive: %v", err)
	}
	e.advance(6 * time.Hour)
	if err := change(h, 6*3600); err != nil {
		t.Fatalf("6 h after 6 h: %v", err)
	}
	wantError(t, change(h, 6*3600+1), "InvalidParameterValue",
		"Value 21601 for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [43200 seconds]", 400)
	wantError(t, change(h, 43201), "InvalidParameterValue", "", 400)
	e.advance(6*time.Hour - time.Millisecond)
	if got := e.receive(url, 1); len(got) != 0 {
		t.Fatal("visible before the extended timeout")
	}
	e.advance(time.Millisecond)
	third := e.receive(url, 1)
	if len(third) != 1 {
		t.Fatal("not visible after 12 h")
	}
	if err := change(third[0].ReceiptHandle, 0); err != nil {
		t.Fatal(err)
	}
	if got := e.receive(url, 1); len(got) != 1 || got[0].Attributes["ApproximateReceiveCount"] != "4" {
		t.Errorf("visibility 0 did not release the message: %+v", got)
	}
	wantError(t, change(str("bogus"), 5), "ReceiptHandleIsInvalid", `The input receipt handle "bogus" is not a valid receipt handle.`, 404)

	// A standard queue deletes with an older receipt handle too.
	if _, err := e.client.DeleteMessage(e.ctx, &awssqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: first[0].ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	e.advance(13 * time.Hour)
	if got := e.receive(url, 1); len(got) != 0 {
		t.Errorf("deleted with an old handle, still received: %v", got)
	}
	wantError(t, change(h, 10), "InvalidParameterValue",
		"Value "+*h+" for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.", 400)
}

func TestReceiveParameters(t *testing.T) {
	e := start(t, false)
	url := e.createQueue("params", nil)
	for _, tc := range []struct {
		in  awssqs.ReceiveMessageInput
		msg string
	}{
		{awssqs.ReceiveMessageInput{MaxNumberOfMessages: 11}, "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided."},
		{awssqs.ReceiveMessageInput{MaxNumberOfMessages: -1}, "Value -1 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided."},
		{awssqs.ReceiveMessageInput{WaitTimeSeconds: 21}, "Value 21 for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided."},
		{awssqs.ReceiveMessageInput{VisibilityTimeout: 43201}, ""},
	} {
		in := tc.in
		in.QueueUrl = &url
		_, err := e.client.ReceiveMessage(e.ctx, &in)
		wantError(t, err, "InvalidParameterValue", tc.msg, 400)
	}
	_, err := e.client.ReceiveMessage(e.ctx, &awssqs.ReceiveMessageInput{QueueUrl: &url,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{"Bogus"}})
	wantError(t, err, "InvalidAttributeName", "Unknown Attribute Bogus.", 400)

	e.send(url, "m")
	// The legacy AttributeNames take message system attribute names too.
	out, err := e.client.ReceiveMessage(e.ctx, &awssqs.ReceiveMessageInput{QueueUrl: &url,
		AttributeNames: []types.QueueAttributeName{"SentTimestamp", "ApproximateReceiveCount"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Messages) != 1 || len(out.Messages[0].Attributes) != 2 || out.Messages[0].Attributes["ApproximateReceiveCount"] != "1" {
		t.Errorf("legacy AttributeNames: %+v", out.Messages)
	}
}

func TestDelays(t *testing.T) {
	e := start(t, true)
	url := e.createQueue("delayed", map[string]string{"DelaySeconds": "10"})
	e.send(url, "queue delay")
	if _, err := e.client.SendMessage(e.ctx, &awssqs.SendMessageInput{QueueUrl: &url, MessageBody: str("own delay"), DelaySeconds: 2}); err != nil {
		t.Fatal(err)
	}
	if a := e.attrs(url); a["ApproximateNumberOfMessagesDelayed"] != "2" || a["ApproximateNumberOfMessages"] != "0" {
		t.Errorf("counts: %v", a)
	}
	bodies := func() string {
		var b []string
		for _, m := range e.receive(url, 10) {
			b = append(b, *m.Body)
		}
		return strings.Join(b, ",")
	}
	if got := bodies(); got != "" {
		t.Errorf("at 0 s: %q", got)
	}
	e.advance(2 * time.Second)
	if got := bodies(); got != "own delay" {
		t.Errorf("at 2 s: %q", got)
	}
	e.advance(8 * time.Second)
	if got := bodies(); got != "queue delay" {
		t.Errorf("at 10 s: %q", got)
	}
}

func TestRetentionPeriod(t *testing.T) {
	e := start(t, true)
	url := e.createQueue("retained", map[string]string{"MessageRetentionPeriod": "60"})
	e.send(url, "old")
	e.advance(30 * time.Second)
	e.send(url, "young")
	e.receive(url, 1)
	e.advance(30 * time.Second)
	if a := e.attrs(url); a["ApproximateNumberOfMessages"] != "1" || a["ApproximateNumberOfMessagesNotVisible"] != "0" {
		t.Errorf("after 60 s: %v", a)
	}
	e.advance(30 * time.Second)
	if a := e.attrs(url); a["ApproximateNumberOfMessages"] != "0" {
		t.Errorf("after 90 s: %v", a)
	}
}

func TestLongPolling(t *testing.T) {
	e := start(t, false)
	url := e.createQueue("poll", nil)
	type result struct {
		msgs []types.Message
		err  error
		at   time.Time
	}
	done := make(chan result, 1)
	go func() {
		out, err := e.client.ReceiveMessage(e.ctx, &awssqs.ReceiveMessageInput{QueueUrl: &url, WaitTimeSeconds: 20})
		r := result{err: err, at: time.Now()}
		if out != nil {
			r.msgs = out.Messages
		}
		done <- r
	}()
	e.waitForWaiters("poll", 1)
	e.send(url, "wake up")
	sentAt := time.Now()
	select {
	case r := <-done:
		if r.err != nil || len(r.msgs) != 1 || *r.msgs[0].Body != "wake up" {
			t.Fatalf("long poll: %v %v", r.msgs, r.err)
		}
		if d := r.at.Sub(sentAt); d > 100*time.Millisecond {
			t.Errorf("long poll returned %v after the send", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("long poll did not return after a send")
	}

	// The queue's ReceiveMessageWaitTimeSeconds applies without a
	// WaitTimeSeconds; an empty wait returns when it ends.
	slow := e.createQueue("slow", map[string]string{"ReceiveMessageWaitTimeSeconds": "1"})
	begin := time.Now()
	out, err := e.client.ReceiveMessage(e.ctx, &awssqs.ReceiveMessageInput{QueueUrl: &slow})
	if err != nil || len(out.Messages) != 0 {
		t.Fatalf("empty wait: %v %v", out, err)
	}
	if d := time.Since(begin); d < 900*time.Millisecond || d > 3*time.Second {
		t.Errorf("empty 1 s wait took %v", d)
	}
}

func TestLongPollingOnAFrozenClock(t *testing.T) {
	e := start(t, true)
	url := e.createQueue("frozen", nil)
	done := make(chan int, 1)
	go func() {
		out, err := e.client.ReceiveMessage(e.ctx, &awssqs.ReceiveMessageInput{QueueUrl: &url, WaitTimeSeconds: 20})
		if err != nil {
			done <- -1
			return
		}
		done <- len(out.Messages)
	}()
	e.waitForWaiters("frozen", 1)
	e.advance(19 * time.Second)
	select {
	case n := <-done:
		t.Fatalf("returned %d before the wait ended", n)
	case <-time.After(50 * time.Millisecond):
	}
	e.advance(time.Second)
	select {
	case n := <-done:
		if n != 0 {
			t.Errorf("empty wait returned %d messages", n)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("wait did not end when the clock passed it")
	}

	// A delayed message wakes a waiting receiver when its delay ends.
	go func() {
		out, err := e.client.ReceiveMessage(e.ctx, &awssqs.ReceiveMessageInput{QueueUrl: &url, WaitTimeSeconds: 20})
		if err != nil {
			done <- -1
			return
		}
		done <- len(out.Messages)
	}()
	e.waitForWaiters("frozen", 1)
	if _, err := e.client.SendMessage(e.ctx, &awssqs.SendMessageInput{QueueUrl: &url, MessageBody: str("later"), DelaySeconds: 5}); err != nil {
		t.Fatal(err)
	}
	// The send woke the receiver, which found the message delayed and waits
	// again, now until the delay ends.
	e.waitForWaiters("frozen", 1)
	e.advance(5 * time.Second)
	select {
	case n := <-done:
		if n != 1 {
			t.Errorf("woke with %d messages", n)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("delayed message did not wake the receiver")
	}
}

func TestConcurrentSendReceiveDelete(t *testing.T) {
	e := start(t, false)
	url := e.createQueue("concurrent", nil)
	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if _, err := e.client.SendMessage(e.ctx, &awssqs.SendMessageInput{QueueUrl: &url, MessageBody: str("x")}); err != nil {
					errs <- err
					return
				}
				out, err := e.client.ReceiveMessage(e.ctx, &awssqs.ReceiveMessageInput{QueueUrl: &url})
				if err != nil {
					errs <- err
					return
				}
				if len(out.Messages) != 1 {
					errs <- fmt.Errorf("received %d messages", len(out.Messages))
					return
				}
				if _, err := e.client.DeleteMessage(e.ctx, &awssqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: out.Messages[0].ReceiptHandle}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if a := e.attrs(url); a["ApproximateNumberOfMessages"] != "0" || a["ApproximateNumberOfMessagesNotVisible"] != "0" {
		t.Errorf("left over: %v", a)
	}
}
