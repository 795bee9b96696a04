package sqs

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

func TestCreateQueueReturnsURLOfTheRequestHost(t *testing.T) {
	e := start(t, false)
	url := e.createQueue("orders", nil)
	if want := e.srv.URL() + "/000000000000/orders"; url != want {
		t.Errorf("QueueUrl %q, want %q", url, want)
	}
	got, err := e.client.GetQueueUrl(e.ctx, &awssqs.GetQueueUrlInput{QueueName: str("orders")})
	if err != nil {
		t.Fatal(err)
	}
	if *got.QueueUrl != url {
		t.Errorf("GetQueueUrl %q, want %q", *got.QueueUrl, url)
	}
}

func TestCreateQueueIdempotence(t *testing.T) {
	e := start(t, false)
	attrs := map[string]string{"DelaySeconds": "5", "VisibilityTimeout": "40"}
	url := e.createQueue("same", attrs)
	if again := e.createQueue("same", attrs); again != url {
		t.Errorf("second CreateQueue %q, want %q", again, url)
	}
	if again := e.createQueue("same", nil); again != url {
		t.Errorf("CreateQueue without attributes %q, want %q", again, url)
	}
	_, err := e.client.CreateQueue(e.ctx, &awssqs.CreateQueueInput{QueueName: str("same"),
		Attributes: map[string]string{"DelaySeconds": "6"}})
	wantError(t, err, "QueueAlreadyExists", "A queue already exists with the same name and a different value for attribute DelaySeconds", 400)
	var exists *types.QueueNameExists
	if !errors.As(err, &exists) {
		t.Errorf("error %T is not a *types.QueueNameExists", err)
	}

	fifo := e.createQueue("same.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"})
	_, err = e.client.CreateQueue(e.ctx, &awssqs.CreateQueueInput{QueueName: str("same.fifo"),
		Attributes: map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "false"}})
	wantError(t, err, "QueueAlreadyExists", "A queue already exists with the same name and a different value for attribute ContentBasedDeduplication", 400)
	if again := e.createQueue("same.fifo", map[string]string{"FifoQueue": "true"}); again != fifo {
		t.Errorf("FIFO CreateQueue again %q, want %q", again, fifo)
	}
}

func TestCreateQueueNames(t *testing.T) {
	e := start(t, false)
	const std = "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"
	const fifoMsg = "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length."
	for _, tc := range []struct {
		name string
		fifo bool
		msg  string
	}{
		{name: strings.Repeat("a", 80)},
		{name: "with-dash_and_underscore09"},
		{name: strings.Repeat("a", 75) + ".fifo", fifo: true},
		{name: strings.Repeat("a", 81), msg: std},
		{name: "has space", msg: std},
		{name: "dot.name", msg: std},
		{name: "plain.fifo", msg: std},
		{name: "nofifosuffix", fifo: true, msg: fifoMsg},
		{name: strings.Repeat("a", 76) + ".fifo", fifo: true, msg: fifoMsg},
		{name: ".fifo", fifo: true, msg: fifoMsg},
	} {
		in := &awssqs.CreateQueueInput{QueueName: str(tc.name)}
		if tc.fifo {
			in.Attributes = map[string]string{"FifoQueue": "true"}
		}
		_, err := e.client.CreateQueue(e.ctx, in)
		if tc.msg == "" {
			if err != nil {
				t.Errorf("CreateQueue %q: %v", tc.name, err)
			}
			continue
		}
		wantError(t, err, "InvalidParameterValue", tc.msg, 400)
	}
}

func TestCreateQueueAttributeValidation(t *testing.T) {
	e := start(t, false)
	for _, tc := range []struct {
		attr, value string
		ok          bool
	}{
		{"DelaySeconds", "0", true}, {"DelaySeconds", "900", true}, {"DelaySeconds", "901", false}, {"DelaySeconds", "-1", false}, {"DelaySeconds", "x", false},
		{"MaximumMessageSize", "1024", true}, {"MaximumMessageSize", "1048576", true}, {"MaximumMessageSize", "1023", false}, {"MaximumMessageSize", "1048577", false},
		{"MessageRetentionPeriod", "60", true}, {"MessageRetentionPeriod", "1209600", true}, {"MessageRetentionPeriod", "59", false}, {"MessageRetentionPeriod", "1209601", false},
		{"ReceiveMessageWaitTimeSeconds", "20", true}, {"ReceiveMessageWaitTimeSeconds", "21", false},
		{"VisibilityTimeout", "43200", true}, {"VisibilityTimeout", "43201", false},
		{"KmsDataKeyReusePeriodSeconds", "60", true}, {"KmsDataKeyReusePeriodSeconds", "86401", false},
		{"SqsManagedSseEnabled", "false", true}, {"SqsManagedSseEnabled", "maybe", false},
		{"Policy", `{"Version":"2012-10-17","Statement":[]}`, true}, {"Policy", "{not json", false},
	} {
		name := fmt.Sprintf("q-%s-%d", strings.ToLower(tc.attr), len(tc.value))
		if tc.ok {
			name += "-ok"
		}
		_, err := e.client.CreateQueue(e.ctx, &awssqs.CreateQueueInput{QueueName: str(name + fmt.Sprint(time.Now().UnixNano()%1e6)),
			Attributes: map[string]string{tc.attr: tc.value}})
		if tc.ok {
			if err != nil {
				t.Errorf("%s=%s: %v", tc.attr, tc.value, err)
			}
			continue
		}
		wantError(t, err, "InvalidAttributeValue", "Invalid value for the parameter "+tc.attr+".", 400)
	}

	_, err := e.client.CreateQueue(e.ctx, &awssqs.CreateQueueInput{QueueName: str("unknown-attr"),
		Attributes: map[string]string{"NotAnAttribute": "1"}})
	wantError(t, err, "InvalidAttributeName", "Unknown Attribute NotAnAttribute.", 400)
	_, err = e.client.CreateQueue(e.ctx, &awssqs.CreateQueueInput{QueueName: str("readonly-attr"),
		Attributes: map[string]string{"QueueArn": "arn:aws:sqs:us-east-1:000000000000:x"}})
	wantError(t, err, "InvalidAttributeName", "Unknown Attribute QueueArn.", 400)
	_, err = e.client.CreateQueue(e.ctx, &awssqs.CreateQueueInput{QueueName: str("std-dedup"),
		Attributes: map[string]string{"DeduplicationScope": "queue"}})
	wantError(t, err, "InvalidAttributeName", "You can specify the DeduplicationScope only when FifoQueue is set to true.", 400)
	_, err = e.client.CreateQueue(e.ctx, &awssqs.CreateQueueInput{QueueName: str("std-cbd"),
		Attributes: map[string]string{"ContentBasedDeduplication": "true"}})
	wantError(t, err, "InvalidAttributeName", "Unknown Attribute ContentBasedDeduplication.", 400)
	if _, err := e.client.CreateQueue(e.ctx, &awssqs.CreateQueueInput{QueueName: str("std-fifo-false"),
		Attributes: map[string]string{"FifoQueue": "false"}}); err != nil {
		t.Errorf("FifoQueue=false on a standard queue: %v", err)
	}
}

func TestDeleteQueueAndRecreate(t *testing.T) {
	e := start(t, true)
	url := e.createQueue("gone", nil)
	if _, err := e.client.DeleteQueue(e.ctx, &awssqs.DeleteQueueInput{QueueUrl: &url}); err != nil {
		t.Fatal(err)
	}
	_, err := e.client.GetQueueUrl(e.ctx, &awssqs.GetQueueUrlInput{QueueName: str("gone")})
	wantError(t, err, "AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.", 400)
	var missing *types.QueueDoesNotExist
	if !errors.As(err, &missing) {
		t.Errorf("error %T is not a *types.QueueDoesNotExist", err)
	}
	_, err = e.client.SendMessage(e.ctx, &awssqs.SendMessageInput{QueueUrl: &url, MessageBody: str("x")})
	wantError(t, err, "AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.", 400)
	_, err = e.client.DeleteQueue(e.ctx, &awssqs.DeleteQueueInput{QueueUrl: &url})
	wantError(t, err, "AWS.SimpleQueueService.NonExistentQueue", "", 400)

	_, err = e.client.CreateQueue(e.ctx, &awssqs.CreateQueueInput{QueueName: str("gone")})
	wantError(t, err, "AWS.SimpleQueueService.QueueDeletedRecently",
		"You must wait 60 seconds after deleting a queue before you can create another with the same name.", 400)
	e.advance(60 * time.Second)
	if again := e.createQueue("gone", nil); again != url {
		t.Errorf("recreated URL %q, want %q", again, url)
	}
	if n := e.attrs(url)["ApproximateNumberOfMessages"]; n != "0" {
		t.Errorf("recreated queue has %s messages", n)
	}
}

func TestQueueURLForms(t *testing.T) {
	e := start(t, false)
	url := e.createQueue("forms", nil)
	for _, u := range []string{
		url,
		"http://localhost:4566/000000000000/forms",
		"http://sqs.us-east-1.localhost.localstack.cloud:4566/000000000000/forms",
		"https://sqs.us-east-1.amazonaws.com/000000000000/forms",
		"https://queue.amazonaws.com/000000000000/forms",
		"http://localhost:4566/queue/us-east-1/000000000000/forms",
		"forms",
	} {
		if _, err := e.client.SendMessage(e.ctx, &awssqs.SendMessageInput{QueueUrl: str(u), MessageBody: str("via " + u)}); err != nil {
			t.Errorf("SendMessage to %q: %v", u, err)
		}
	}
	if n := e.attrs(url)["ApproximateNumberOfMessages"]; n != "7" {
		t.Errorf("ApproximateNumberOfMessages %s, want 7", n)
	}
	for _, u := range []string{
		"https://sqs.eu-west-1.amazonaws.com/000000000000/forms",
		"http://localhost:4566/111111111111/forms",
		"http://localhost:4566/forms",
		"http://localhost:4566/000000000000/other",
		"ftp://localhost/000000000000/forms",
	} {
		_, err := e.client.GetQueueAttributes(e.ctx, &awssqs.GetQueueAttributesInput{QueueUrl: str(u)})
		wantError(t, err, "AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.", 400)
	}
}

func TestAccountsAndRegions(t *testing.T) {
	e := start(t, false)
	owner := e.clientFor("111111111111", "")
	out, err := owner.CreateQueue(e.ctx, &awssqs.CreateQueueInput{QueueName: str("shared")})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(*out.QueueUrl, "/111111111111/shared") {
		t.Errorf("QueueUrl %q is not in account 111111111111", *out.QueueUrl)
	}
	_, err = e.client.GetQueueUrl(e.ctx, &awssqs.GetQueueUrlInput{QueueName: str("shared")})
	wantError(t, err, "AWS.SimpleQueueService.NonExistentQueue", "", 400)
	got, err := e.client.GetQueueUrl(e.ctx, &awssqs.GetQueueUrlInput{QueueName: str("shared"), QueueOwnerAWSAccountId: str("111111111111")})
	if err != nil {
		t.Fatal(err)
	}
	if *got.QueueUrl != *out.QueueUrl {
		t.Errorf("cross-account GetQueueUrl %q, want %q", *got.QueueUrl, *out.QueueUrl)
	}
	// Cross-account access by URL (IAM is not enforced).
	e.send(*out.QueueUrl, "from another account")
	if msgs := (&env{t: t, client: owner, ctx: e.ctx}).receive(*out.QueueUrl, 1); len(msgs) != 1 {
		t.Errorf("owner received %d messages, want 1", len(msgs))
	}

	west := e.clientFor("", "us-west-2")
	if _, err := west.CreateQueue(e.ctx, &awssqs.CreateQueueInput{QueueName: str("regional")}); err != nil {
		t.Fatal(err)
	}
	list, err := e.client.ListQueues(e.ctx, &awssqs.ListQueuesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.QueueUrls) != 0 {
		t.Errorf("us-east-1 lists %v, want nothing", list.QueueUrls)
	}
	westAttrs, err := west.GetQueueAttributes(e.ctx, &awssqs.GetQueueAttributesInput{QueueUrl: str("regional"),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	if arn := westAttrs.Attributes["QueueArn"]; arn != "arn:aws:sqs:us-west-2:000000000000:regional" {
		t.Errorf("QueueArn %q", arn)
	}
}

func TestListQueues(t *testing.T) {
	e := start(t, false)
	var names []string
	for i := 0; i < 7; i++ {
		names = append(names, fmt.Sprintf("list-%02d", i))
		e.createQueue(names[i], nil)
	}
	e.createQueue("other", nil)
	out, err := e.client.ListQueues(e.ctx, &awssqs.ListQueuesInput{QueueNamePrefix: str("list-")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.QueueUrls) != 7 || out.NextToken != nil {
		t.Fatalf("prefix list: %d URLs, token %v", len(out.QueueUrls), out.NextToken)
	}
	var paged []string
	var token *string
	pages := 0
	for {
		out, err := e.client.ListQueues(e.ctx, &awssqs.ListQueuesInput{QueueNamePrefix: str("list-"), MaxResults: aws32(3), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, u := range out.QueueUrls {
			paged = append(paged, u[strings.LastIndexByte(u, '/')+1:])
		}
		if out.NextToken == nil {
			break
		}
		token = out.NextToken
	}
	if pages != 3 || !sort.StringsAreSorted(paged) || strings.Join(paged, ",") != strings.Join(names, ",") {
		t.Errorf("%d pages: %v", pages, paged)
	}
	_, err = e.client.ListQueues(e.ctx, &awssqs.ListQueuesInput{MaxResults: aws32(1001)})
	wantError(t, err, "InvalidParameterValue", "", 400)
	_, err = e.client.ListQueues(e.ctx, &awssqs.ListQueuesInput{NextToken: str("!!not a token!!")})
	wantError(t, err, "InvalidParameterValue", "Invalid NextToken value.", 400)
}

func TestPurgeQueue(t *testing.T) {
	e := start(t, true)
	url := e.createQueue("purge", nil)
	for i := 0; i < 3; i++ {
		e.send(url, "m")
	}
	e.receive(url, 1)
	if _, err := e.client.PurgeQueue(e.ctx, &awssqs.PurgeQueueInput{QueueUrl: &url}); err != nil {
		t.Fatal(err)
	}
	a := e.attrs(url)
	if a["ApproximateNumberOfMessages"] != "0" || a["ApproximateNumberOfMessagesNotVisible"] != "0" {
		t.Errorf("after purge: %v", a)
	}
	_, err := e.client.PurgeQueue(e.ctx, &awssqs.PurgeQueueInput{QueueUrl: &url})
	wantError(t, err, "AWS.SimpleQueueService.PurgeQueueInProgress", "Only one PurgeQueue operation on purge is allowed every 60 seconds.", 403)
	var inProgress *types.PurgeQueueInProgress
	if !errors.As(err, &inProgress) {
		t.Errorf("error %T is not a *types.PurgeQueueInProgress", err)
	}
	e.advance(59 * time.Second)
	_, err = e.client.PurgeQueue(e.ctx, &awssqs.PurgeQueueInput{QueueUrl: &url})
	wantError(t, err, "AWS.SimpleQueueService.PurgeQueueInProgress", "", 403)
	e.advance(time.Second)
	if _, err := e.client.PurgeQueue(e.ctx, &awssqs.PurgeQueueInput{QueueUrl: &url}); err != nil {
		t.Errorf("purge after 60 s: %v", err)
	}
}

func TestTags(t *testing.T) {
	e := start(t, false)
	out, err := e.client.CreateQueue(e.ctx, &awssqs.CreateQueueInput{QueueName: str("tagged"),
		Tags: map[string]string{"team": "core", "empty": ""}})
	if err != nil {
		t.Fatal(err)
	}
	url := *out.QueueUrl
	if _, err := e.client.TagQueue(e.ctx, &awssqs.TagQueueInput{QueueUrl: &url, Tags: map[string]string{"team": "edge", "env": "dev"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.UntagQueue(e.ctx, &awssqs.UntagQueueInput{QueueUrl: &url, TagKeys: []string{"empty", "absent"}}); err != nil {
		t.Fatal(err)
	}
	got, err := e.client.ListQueueTags(e.ctx, &awssqs.ListQueueTagsInput{QueueUrl: &url})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Tags) != 2 || got.Tags["team"] != "edge" || got.Tags["env"] != "dev" {
		t.Errorf("tags %v", got.Tags)
	}
	many := map[string]string{}
	for i := 0; i < 49; i++ {
		many[fmt.Sprint("k", i)] = "v"
	}
	_, err = e.client.TagQueue(e.ctx, &awssqs.TagQueueInput{QueueUrl: &url, Tags: many})
	wantError(t, err, "InvalidParameterValue", "", 400)
	delete(many, "k0")
	if _, err := e.client.TagQueue(e.ctx, &awssqs.TagQueueInput{QueueUrl: &url, Tags: many}); err != nil {
		t.Errorf("50 tags: %v", err)
	}
}

func TestPermissions(t *testing.T) {
	e := start(t, false)
	url := e.createQueue("perm", nil)
	if _, err := e.client.AddPermission(e.ctx, &awssqs.AddPermissionInput{QueueUrl: &url, Label: str("cross"),
		AWSAccountIds: []string{"111111111111"}, Actions: []string{"ReceiveMessage"}}); err != nil {
		t.Fatal(err)
	}
	policy := e.attrs(url, types.QueueAttributeNamePolicy)["Policy"]
	for _, want := range []string{`"Sid":"cross"`, `"AWS":"arn:aws:iam::111111111111:root"`, `"Action":"SQS:ReceiveMessage"`,
		`"Id":"arn:aws:sqs:us-east-1:000000000000:perm/SQSDefaultPolicy"`} {
		if !strings.Contains(policy, want) {
			t.Errorf("policy %s lacks %s", policy, want)
		}
	}
	_, err := e.client.AddPermission(e.ctx, &awssqs.AddPermissionInput{QueueUrl: &url, Label: str("cross"),
		AWSAccountIds: []string{"111111111111"}, Actions: []string{"SendMessage"}})
	wantError(t, err, "InvalidParameterValue", "Value cross for parameter Label is invalid. Reason: Already exists.", 400)
	_, err = e.client.AddPermission(e.ctx, &awssqs.AddPermissionInput{QueueUrl: &url, Label: str("bad"),
		AWSAccountIds: []string{"111111111111"}, Actions: []string{"Fly"}})
	wantError(t, err, "InvalidParameterValue", "", 400)
	if _, err := e.client.RemovePermission(e.ctx, &awssqs.RemovePermissionInput{QueueUrl: &url, Label: str("cross")}); err != nil {
		t.Fatal(err)
	}
	if p, ok := e.attrs(url)["Policy"]; ok {
		t.Errorf("policy left after removing its only statement: %s", p)
	}
	_, err = e.client.RemovePermission(e.ctx, &awssqs.RemovePermissionInput{QueueUrl: &url, Label: str("cross")})
	wantError(t, err, "InvalidParameterValue", "Value cross for parameter Label is invalid. Reason: can't find label.", 400)
}

func aws32(n int32) *int32 { return &n }
