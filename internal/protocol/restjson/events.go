package restjson

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol"
	"github.com/virga-aws/virga/internal/protocol/awsjson"
	"github.com/virga-aws/virga/internal/protocol/eventstream"
)

// eventStreamContentType is the media type of an event-stream body.
const eventStreamContentType = "application/vnd.amazon.eventstream"

// firstEventDelay is the least time between reading a request and sending
// the first bytes of its event-stream response (see writeEvents).
const firstEventDelay = 10 * time.Millisecond

// writeEvents writes events as event-stream messages, flushing each to the
// client as soon as it is written, so a consumer sees every event when its
// producer yields it. A write failure (the client went away) stops the
// stream: the producer's yield returns false.
//
// The response headers go out with the first event, and no sooner than
// firstEventDelay after the request was read: aws-sdk-go-v2 closes the
// request body as soon as the response headers arrive, and when net/http's
// writer has not quite finished with that body (it still makes a last
// read after sending it) the closed body fails the write and the
// transport drops the connection, losing the part of the stream not yet
// read. Against AWS the network's latency hides this; on loopback a fast
// answer hits it.
func writeEvents(w http.ResponseWriter, union *model.Shape, events protocol.EventStream) error {
	start := time.Now()
	rc := http.NewResponseController(w)
	flush := func() error {
		if err := rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return err
		}
		return nil
	}
	var werr error
	var buf []byte
	events(func(ev map[string]any) bool {
		if werr != nil {
			return false
		}
		msg, err := eventMessage(union, ev)
		if err != nil {
			werr = err
			return false
		}
		if buf, err = eventstream.Append(buf[:0], msg); err != nil {
			werr = err
			return false
		}
		if wait := firstEventDelay - time.Since(start); wait > 0 {
			time.Sleep(wait)
		}
		if _, err := w.Write(buf); err != nil {
			werr = err
			return false
		}
		werr = flush()
		return werr == nil
	})
	return werr
}

// discardEvents lets a producer clean up when no body is written.
func discardEvents(events protocol.EventStream) {
	if events != nil {
		events(func(map[string]any) bool { return false })
	}
}

// eventMessage encodes one event of the union as restJson1 does: the
// member's eventpayload member as the raw payload (a blob as
// application/octet-stream, a string as text/plain, anything else as JSON),
// or, without one, the event's members as a JSON object.
func eventMessage(union *model.Shape, ev map[string]any) (eventstream.Message, error) {
	if len(ev) != 1 {
		return eventstream.Message{}, fmt.Errorf("restjson: an event must set exactly one member, got %d", len(ev))
	}
	var name string
	var value any
	for name, value = range ev {
	}
	var mem *model.Member
	for i := range union.Members {
		if union.Members[i].Name == name {
			mem = &union.Members[i]
		}
	}
	if mem == nil {
		return eventstream.Message{}, fmt.Errorf("restjson: %s has no event %s", union.Name, name)
	}
	fields, _ := value.(map[string]any)
	contentType := "application/json"
	var payload []byte
	var payloadMember *model.Member
	for i := range mem.Shape.Members {
		if mem.Shape.Members[i].EventPayload {
			payloadMember = &mem.Shape.Members[i]
		}
	}
	if payloadMember != nil {
		v := fields[payloadMember.Name]
		switch payloadMember.Shape.Type {
		case "blob":
			contentType = "application/octet-stream"
			payload, _ = v.([]byte)
		case "string":
			contentType = "text/plain"
			s, _ := v.(string)
			payload = []byte(s)
		default:
			if v != nil {
				payload = awsjson.Append(nil, v, payloadMember.Ref)
			}
		}
	} else {
		if fields == nil {
			fields = map[string]any{}
		}
		payload = awsjson.Append(nil, fields, mem.Ref)
	}
	return eventstream.Message{
		Headers: []eventstream.Header{
			{Name: eventstream.EventTypeHeader, Value: name},
			{Name: eventstream.ContentTypeHeader, Value: contentType},
			{Name: eventstream.MessageTypeHeader, Value: "event"},
		},
		Payload: payload,
	}, nil
}
