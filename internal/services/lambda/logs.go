package lambda

import "github.com/virga-aws/virga/internal/services/logs"

// cloudWatchLogs adapts CloudWatch Logs' in-process store to LogSink.
type cloudWatchLogs struct{ store *logs.Store }

// CloudWatchLogs returns a LogSink writing function logs into CloudWatch
// Logs' store, so they appear in /aws/lambda/<name>.
func CloudWatchLogs(store *logs.Store) LogSink { return cloudWatchLogs{store} }

// Append writes the events to the log stream, creating group and stream.
func (c cloudWatchLogs) Append(account, region, group, stream string, events []LogEvent) error {
	ev := make([]logs.Event, len(events))
	for i, e := range events {
		ev[i] = logs.Event{Time: e.Timestamp, Message: e.Message}
	}
	return c.store.Append(account, region, group, stream, ev)
}
