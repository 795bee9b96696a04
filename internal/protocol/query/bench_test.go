package query

import (
	"net/http"
	"strings"
	"testing"

	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol"
)

// sendMessageForm is a typical legacy-query SendMessage: a body and two
// message attributes.
const sendMessageForm = "Action=SendMessage&Version=2012-11-05" +
	"&QueueUrl=http%3A%2F%2Flocalhost%3A4566%2F000000000000%2Forders" +
	"&MessageBody=%7B%22order%22%3A42%2C%22items%22%3A%5B1%2C2%2C3%5D%7D" +
	"&DelaySeconds=0" +
	"&MessageAttribute.1.Name=tenant&MessageAttribute.1.Value.DataType=String&MessageAttribute.1.Value.StringValue=acme" +
	"&MessageAttribute.2.Name=attempt&MessageAttribute.2.Value.DataType=Number&MessageAttribute.2.Value.StringValue=1"

var benchSink map[string]any

func BenchmarkDecodeSendMessage(b *testing.B) {
	m := model.MustLoad("sqs")
	op := m.Operations["SendMessage"]
	body := strings.NewReader(sendMessageForm)
	r, _ := http.NewRequest(http.MethodPost, "http://localhost:4566/", body)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	c := &protocol.Call{Model: m, Operation: op, Request: r}
	b.ReportAllocs()
	b.SetBytes(int64(len(sendMessageForm)))
	for b.Loop() {
		body.Reset(sendMessageForm)
		r.PostForm = nil
		tree, err := Codec{}.DecodeRequest(c)
		if err != nil {
			b.Fatal(err)
		}
		benchSink = tree
	}
}

// discardWriter is a ResponseWriter that keeps headers and drops the body.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}

func BenchmarkEncodeSendMessage(b *testing.B) {
	m := model.MustLoad("sqs")
	op := m.Operations["SendMessage"]
	r, _ := http.NewRequest(http.MethodPost, "http://localhost:4566/", nil)
	c := &protocol.Call{Model: m, Operation: op, Request: r, RequestID: "c9f3b3f4-6b0a-4c57-9f0e-2f3c7a8e1d2b"}
	out := map[string]any{
		"MD5OfMessageBody":       "1f0a8b3c9d2e4f5a6b7c8d9e0f1a2b3c",
		"MD5OfMessageAttributes": "3ae8f24a165a8cedc005670c81a27295",
		"MessageId":              "5fea7756-0ea4-451a-a703-a558b933e274",
	}
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		if err := (Codec{}).EncodeResponse(w, c, out); err != nil {
			b.Fatal(err)
		}
	}
}
