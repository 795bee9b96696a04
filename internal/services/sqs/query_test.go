package sqs

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// queryNode is a generic XML element for reading query-protocol responses.
type queryNode struct {
	XMLName  xml.Name
	Text     string      `xml:",chardata"`
	Children []queryNode `xml:",any"`
}

// find returns the text of the first element at the slash-separated path
// below n.
func (n queryNode) find(path string) (string, bool) {
	name, rest, more := strings.Cut(path, "/")
	for _, c := range n.Children {
		if c.XMLName.Local != name {
			continue
		}
		if !more {
			return c.Text, true
		}
		if v, ok := c.find(rest); ok {
			return v, true
		}
	}
	return "", false
}

// all returns the elements named name anywhere below n.
func (n queryNode) all(name string) []queryNode {
	var out []queryNode
	for _, c := range n.Children {
		if c.XMLName.Local == name {
			out = append(out, c)
		}
		out = append(out, c.all(name)...)
	}
	return out
}

// postQuery sends a query-protocol request (Action=...&Version=2012-11-05)
// as AWS's query clients do, signed for SQS, and returns the status and the
// parsed XML.
func postQuery(t *testing.T, base string, params url.Values) (int, queryNode) {
	t.Helper()
	params.Set("Version", "2012-11-05")
	req, _ := http.NewRequest(http.MethodPost, base+"/", strings.NewReader(params.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=00")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var n queryNode
	if err := xml.Unmarshal(raw, &n); err != nil {
		t.Fatalf("%s: response %q: %v", params.Get("Action"), raw, err)
	}
	return resp.StatusCode, n
}

func wantQueryError(t *testing.T, status int, n queryNode, wantStatus int, code, message string) {
	t.Helper()
	gotCode, _ := n.find("Error/Code")
	gotMsg, _ := n.find("Error/Message")
	gotType, _ := n.find("Error/Type")
	if status != wantStatus || gotCode != code || message != "" && gotMsg != message || gotType != "Sender" || n.XMLName.Local != "ErrorResponse" {
		t.Errorf("got %d %s %q (%s), want %d %s %q", status, gotCode, gotMsg, gotType, wantStatus, code, message)
	}
}

func TestQueryProtocol(t *testing.T) {
	e := start(t, true)
	base := e.srv.URL()
	status, n := postQuery(t, base, url.Values{"Action": {"CreateQueue"}, "QueueName": {"query-q"},
		"Attribute.1.Name": {"VisibilityTimeout"}, "Attribute.1.Value": {"45"},
		"Tag.1.Key": {"team"}, "Tag.1.Value": {"core"}})
	qurl, _ := n.find("CreateQueueResult/QueueUrl")
	if status != 200 || qurl != base+"/000000000000/query-q" {
		t.Fatalf("CreateQueue: %d %q", status, qurl)
	}

	status, n = postQuery(t, base, url.Values{"Action": {"SendMessage"}, "QueueUrl": {qurl}, "MessageBody": {"msg"},
		"MessageAttribute.1.Name": {"Foo"}, "MessageAttribute.1.Value.DataType": {"String"}, "MessageAttribute.1.Value.StringValue": {"Bar"}})
	md5Body, _ := n.find("SendMessageResult/MD5OfMessageBody")
	md5Attrs, _ := n.find("SendMessageResult/MD5OfMessageAttributes")
	if status != 200 || md5Body != "6e2baaf3b97dbeef01c0043275f9a0e7" || md5Attrs != "ae7155c6026991b6d54b11589678bf9c" {
		t.Errorf("SendMessage: %d %s %s", status, md5Body, md5Attrs)
	}

	status, n = postQuery(t, base, url.Values{"Action": {"ReceiveMessage"}, "QueueUrl": {qurl}, "MaxNumberOfMessages": {"10"},
		"AttributeName.1": {"All"}, "MessageAttributeName.1": {"All"}})
	msgs := n.all("Message")
	if status != 200 || len(msgs) != 1 {
		t.Fatalf("ReceiveMessage: %d, %d messages", status, len(msgs))
	}
	body, _ := msgs[0].find("Body")
	handle, _ := msgs[0].find("ReceiptHandle")
	attrValue, _ := msgs[0].find("MessageAttribute/Value/StringValue")
	attrs := map[string]string{}
	for _, a := range msgs[0].all("Attribute") {
		k, _ := a.find("Name")
		v, _ := a.find("Value")
		attrs[k] = v
	}
	if body != "msg" || attrValue != "Bar" || attrs["ApproximateReceiveCount"] != "1" || attrs["SenderId"] != "000000000000" {
		t.Errorf("received %q %q %v", body, attrValue, attrs)
	}

	status, n = postQuery(t, base, url.Values{"Action": {"ChangeMessageVisibilityBatch"}, "QueueUrl": {qurl},
		"ChangeMessageVisibilityBatchRequestEntry.1.Id":                {"a"},
		"ChangeMessageVisibilityBatchRequestEntry.1.ReceiptHandle":     {handle},
		"ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout": {"100"}})
	if id, _ := n.find("ChangeMessageVisibilityBatchResult/ChangeMessageVisibilityBatchResultEntry/Id"); status != 200 || id != "a" {
		t.Errorf("ChangeMessageVisibilityBatch: %d %q", status, id)
	}
	status, n = postQuery(t, base, url.Values{"Action": {"DeleteMessageBatch"}, "QueueUrl": {qurl},
		"DeleteMessageBatchRequestEntry.1.Id": {"ok"}, "DeleteMessageBatchRequestEntry.1.ReceiptHandle": {handle},
		"DeleteMessageBatchRequestEntry.2.Id": {"bad"}, "DeleteMessageBatchRequestEntry.2.ReceiptHandle": {"nope"}})
	okID, _ := n.find("DeleteMessageBatchResult/DeleteMessageBatchResultEntry/Id")
	badCode, _ := n.find("DeleteMessageBatchResult/BatchResultErrorEntry/Code")
	sender, _ := n.find("DeleteMessageBatchResult/BatchResultErrorEntry/SenderFault")
	if status != 200 || okID != "ok" || badCode != "ReceiptHandleIsInvalid" || sender != "true" {
		t.Errorf("DeleteMessageBatch: %d %q %q %q", status, okID, badCode, sender)
	}

	status, n = postQuery(t, base, url.Values{"Action": {"SendMessageBatch"}, "QueueUrl": {qurl},
		"SendMessageBatchRequestEntry.1.Id": {"1"}, "SendMessageBatchRequestEntry.1.MessageBody": {"b1"},
		"SendMessageBatchRequestEntry.2.Id": {"2"}, "SendMessageBatchRequestEntry.2.MessageBody": {"b2"},
		"SendMessageBatchRequestEntry.2.DelaySeconds": {"0"}})
	if got := n.all("SendMessageBatchResultEntry"); status != 200 || len(got) != 2 {
		t.Errorf("SendMessageBatch: %d, %d entries", status, len(got))
	}

	status, n = postQuery(t, base, url.Values{"Action": {"SetQueueAttributes"}, "QueueUrl": {qurl},
		"Attribute.1.Name": {"DelaySeconds"}, "Attribute.1.Value": {"7"}})
	if status != 200 || n.XMLName.Local != "SetQueueAttributesResponse" {
		t.Errorf("SetQueueAttributes: %d %s", status, n.XMLName.Local)
	}
	status, n = postQuery(t, base, url.Values{"Action": {"GetQueueAttributes"}, "QueueUrl": {qurl},
		"AttributeName.1": {"DelaySeconds"}, "AttributeName.2": {"VisibilityTimeout"}, "AttributeName.3": {"ApproximateNumberOfMessages"}})
	got := map[string]string{}
	for _, a := range n.all("Attribute") {
		k, _ := a.find("Name")
		v, _ := a.find("Value")
		got[k] = v
	}
	if status != 200 || got["DelaySeconds"] != "7" || got["VisibilityTimeout"] != "45" || got["ApproximateNumberOfMessages"] != "2" {
		t.Errorf("GetQueueAttributes: %d %v", status, got)
	}

	status, n = postQuery(t, base, url.Values{"Action": {"ListQueueTags"}, "QueueUrl": {qurl}})
	if k, _ := n.find("ListQueueTagsResult/Tag/Key"); status != 200 || k != "team" {
		t.Errorf("ListQueueTags: %d %q", status, k)
	}
	status, n = postQuery(t, base, url.Values{"Action": {"ListQueues"}, "QueueNamePrefix": {"query"}})
	if u, _ := n.find("ListQueuesResult/QueueUrl"); status != 200 || u != qurl {
		t.Errorf("ListQueues: %d %q", status, u)
	}

	// Errors carry the query codes.
	status, n = postQuery(t, base, url.Values{"Action": {"GetQueueUrl"}, "QueueName": {"missing"}})
	wantQueryError(t, status, n, 400, "AWS.SimpleQueueService.NonExistentQueue", "")
	status, n = postQuery(t, base, url.Values{"Action": {"CreateQueue"}, "QueueName": {"query-q"},
		"Attribute.1.Name": {"VisibilityTimeout"}, "Attribute.1.Value": {"46"}})
	wantQueryError(t, status, n, 400, "QueueAlreadyExists", "A queue already exists with the same name and a different value for attribute VisibilityTimeout")
	status, n = postQuery(t, base, url.Values{"Action": {"SendMessage"}, "QueueUrl": {qurl}})
	wantQueryError(t, status, n, 400, "MissingParameter", "The request must contain the parameter MessageBody.")
	status, n = postQuery(t, base, url.Values{"Action": {"ReceiveMessage"}, "QueueUrl": {qurl}, "MaxNumberOfMessages": {"11"}})
	wantQueryError(t, status, n, 400, "InvalidParameterValue", "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.")
	status, n = postQuery(t, base, url.Values{"Action": {"GetQueueAttributes"}, "QueueUrl": {qurl}, "AttributeName.1": {"Bogus"}})
	wantQueryError(t, status, n, 400, "InvalidAttributeName", "Unknown Attribute Bogus.")
	status, n = postQuery(t, base, url.Values{"Action": {"SendMessageBatch"}, "QueueUrl": {qurl}})
	wantQueryError(t, status, n, 400, "AWS.SimpleQueueService.EmptyBatchRequest", "")
	status, n = postQuery(t, base, url.Values{"Action": {"PurgeQueue"}, "QueueUrl": {qurl}})
	if status != 200 {
		t.Errorf("PurgeQueue: %d", status)
	}
	status, n = postQuery(t, base, url.Values{"Action": {"PurgeQueue"}, "QueueUrl": {qurl}})
	wantQueryError(t, status, n, 403, "AWS.SimpleQueueService.PurgeQueueInProgress", "Only one PurgeQueue operation on query-q is allowed every 60 seconds.")
	status, n = postQuery(t, base, url.Values{"Action": {"DeleteMessage"}, "QueueUrl": {qurl}, "ReceiptHandle": {"junk"}})
	wantQueryError(t, status, n, 404, "ReceiptHandleIsInvalid", `The input receipt handle "junk" is not a valid receipt handle.`)
}
