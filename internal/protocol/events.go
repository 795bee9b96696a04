package protocol

import "reflect"

// EventStream is the tree value of an event-stream member (a union shape
// marked eventstream in the model, such as Lambda's
// InvokeWithResponseStreamResponseEvent). Calling it produces the events in
// order: each is a structure tree with exactly one member, named after the
// event (PayloadChunk, InvokeComplete), whose value is the event's
// structure tree. The stream ends when the function returns, or early when
// yield returns false (the client went away); the producer must then stop
// yielding and release what it holds.
//
// A codec that receives an EventStream calls it exactly once, even when it
// writes no body (a HEAD request), so the producer always gets to clean up.
// Generated types carry event streams as iter.Seq of the union's struct;
// Unbind turns those into EventStream.
type EventStream func(yield func(event map[string]any) bool)

// unbindEventStream wraps a generated iter.Seq[T] (func(func(T) bool)) as
// an EventStream that unbinds each event. ok is false for other func types.
func unbindEventStream(v reflect.Value) (EventStream, bool) {
	t := v.Type()
	if t.NumIn() != 1 || t.NumOut() != 0 {
		return nil, false
	}
	yt := t.In(0)
	if yt.Kind() != reflect.Func || yt.NumIn() != 1 || yt.NumOut() != 1 || yt.Out(0).Kind() != reflect.Bool {
		return nil, false
	}
	return func(yield func(map[string]any) bool) {
		y := reflect.MakeFunc(yt, func(args []reflect.Value) []reflect.Value {
			ev, _ := unbindValue(args[0]).(map[string]any)
			return []reflect.Value{reflect.ValueOf(yield(ev))}
		})
		v.Call([]reflect.Value{y})
	}, true
}
