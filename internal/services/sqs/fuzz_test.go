package sqs

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/virga-aws/virga/internal/id"
	"github.com/virga-aws/virga/internal/service"
	"github.com/virga-aws/virga/internal/state"
)

func TestParseQueueURL(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want queueRef
		ok   bool
	}{
		{"http://127.0.0.1:4566/000000000000/q", queueRef{"000000000000", "eu-west-1", "q"}, true},
		{"https://sqs.ap-south-1.amazonaws.com/123456789012/q.fifo", queueRef{"123456789012", "ap-south-1", "q.fifo"}, true},
		{"http://sqs.us-west-2.localhost.localstack.cloud:4566/000000000000/q", queueRef{"000000000000", "us-west-2", "q"}, true},
		{"http://us-east-2.queue.localhost.localstack.cloud:4566/000000000000/q", queueRef{"000000000000", "us-east-2", "q"}, true},
		{"http://localhost:4566/queue/us-east-2/000000000000/q", queueRef{"000000000000", "us-east-2", "q"}, true},
		{"http://localhost:4566/000000000000/q/", queueRef{"000000000000", "eu-west-1", "q"}, true},
		{"http://localhost:4566/000000000000/q?x=1", queueRef{"000000000000", "eu-west-1", "q"}, true},
		{"q", queueRef{"999999999999", "eu-west-1", "q"}, true},
		{"", queueRef{}, false},
		{"http://localhost:4566/12345/q", queueRef{}, false},
		{"http://localhost:4566/000000000000", queueRef{}, false},
		{"http://localhost:4566/000000000000/a/b", queueRef{}, false},
		{"a/b", queueRef{}, false},
	} {
		got, ok := parseQueueURL(tc.in, "999999999999", "eu-west-1")
		if ok != tc.ok || ok && got != tc.want {
			t.Errorf("parseQueueURL(%q) = %+v, %v; want %+v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func FuzzParseQueueURL(f *testing.F) {
	for _, seed := range []string{
		"http://localhost:4566/000000000000/q", "https://sqs.us-east-1.amazonaws.com/000000000000/q.fifo",
		"http://localhost:4566/queue/us-east-1/000000000000/q", "q", "", "://", "http:///", "http://sqs./0/q",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		ref, ok := parseQueueURL(raw, "000000000000", "us-east-1")
		if !ok {
			return
		}
		if len(ref.account) != 12 || ref.name == "" || ref.region == "" || strings.Contains(ref.name, "/") {
			t.Errorf("parseQueueURL(%q) accepted %+v", raw, ref)
		}
	})
}

func FuzzReceiptHandle(f *testing.F) {
	q := newQueue(queueRef{"000000000000", "us-east-1", "q"}, false, 42, time.Unix(0, 0))
	m := &message{seq: 7, receiveCount: 3}
	f.Add(q.receiptHandle(m))
	f.Add("")
	f.Add("AQEB====")
	f.Add(strings.Repeat("A", 200))
	f.Fuzz(func(t *testing.T, h string) {
		seq, count, ok := q.parseHandle(h)
		if !ok {
			return
		}
		again := q.receiptHandle(&message{seq: seq, receiveCount: count})
		if s2, c2, ok2 := q.parseHandle(again); !ok2 || s2 != seq || c2 != count {
			t.Errorf("handle %q decoded to %d/%d, which does not round-trip", h, seq, count)
		}
	})
}

func FuzzAttributePolicies(f *testing.F) {
	s := newService(service.Deps{IDs: &id.Sequential{}}, state.Discard)
	for _, seed := range []string{
		`{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:d","maxReceiveCount":3}`,
		`{"deadLetterTargetArn":"x","maxReceiveCount":"3"}`, `{"redrivePermission":"byQueue","sourceQueueArns":["a"]}`,
		`{}`, `[]`, `null`, `{"maxReceiveCount":1e400}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, v string) {
		in := map[string]string{"RedrivePolicy": v, "RedriveAllowPolicy": v, "Policy": v}
		self := queueRef{"000000000000", "us-east-1", "self"}
		if _, e := s.applyAttributes(defaultAttrs(false), false, true, self, in); e == nil && v != "" {
			t.Errorf("accepted a redrive policy naming no existing queue: %q", v)
		}
	})
}

func FuzzMessageText(f *testing.F) {
	for _, seed := range []string{"plain", "tab\tnl\n", "\x00", "\uffff", "😀", "1.5e-3", "-", "+.5"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := checkText(s, "message body")
		allowed := true
		for _, r := range s {
			if !allowedRune(r) {
				allowed = false
			}
		}
		if utf8.ValidString(s) && (err == nil) != allowed {
			t.Errorf("checkText(%q) = %v, allowed %v", s, err, allowed)
		}
		isNumber(s)
	})
}

func TestMD5OfAttributesEmpty(t *testing.T) {
	if got := md5OfAttributes(nil); got != "" {
		t.Errorf("md5OfAttributes(nil) = %q", got)
	}
}
