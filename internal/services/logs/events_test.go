package logs

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/virga-aws/virga/internal/server"
	"github.com/virga-aws/virga/internal/server/servertest"
	"github.com/virga-aws/virga/internal/service"
)

func put(t *testing.T, c *cwl.Client, group, stream string, base int64, msgs ...string) *cwl.PutLogEventsOutput {
	t.Helper()
	var evs []types.InputLogEvent
	for i, m := range msgs {
		evs = append(evs, types.InputLogEvent{Timestamp: aws.Int64(base + int64(i)), Message: aws.String(m)})
	}
	return must[*cwl.PutLogEventsOutput](t)(c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream), LogEvents: evs}))
}

func TestStreams(t *testing.T) {
	c, clk, _ := start(t)
	createGroupStream(t, c, "g", "")
	now := clk.Now().UnixMilli()
	for i, name := range []string{"b", "a", "c", "d"} {
		createGroupStream2(t, c, "g", name)
		put(t, c, "g", name, now-int64(10-i)*1000, "x")
	}
	_, err := c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("a")})
	wantErr(t, err, "ResourceAlreadyExistsException", "The specified log stream already exists")
	_, err = c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String("nope"), LogStreamName: aws.String("a")})
	wantErr(t, err, "ResourceNotFoundException", groupNotFound)

	names := func(in *cwl.DescribeLogStreamsInput) string {
		var out []string
		p := cwl.NewDescribeLogStreamsPaginator(c, in)
		for p.HasMorePages() {
			for _, s := range must[*cwl.DescribeLogStreamsOutput](t)(p.NextPage(ctx)).LogStreams {
				out = append(out, *s.LogStreamName)
			}
		}
		return strings.Join(out, ",")
	}
	if got := names(&cwl.DescribeLogStreamsInput{LogGroupName: aws.String("g"), Limit: aws.Int32(3)}); got != "a,b,c,d" {
		t.Errorf("by name: %s", got)
	}
	if got := names(&cwl.DescribeLogStreamsInput{LogGroupName: aws.String("g"), Descending: aws.Bool(true), Limit: aws.Int32(1)}); got != "d,c,b,a" {
		t.Errorf("by name desc: %s", got)
	}
	if got := names(&cwl.DescribeLogStreamsInput{LogGroupIdentifier: aws.String("arn:aws:logs:us-east-1:000000000000:log-group:g"), OrderBy: types.OrderByLastEventTime, Limit: aws.Int32(2)}); got != "b,a,c,d" {
		t.Errorf("by time: %s", got)
	}
	if got := names(&cwl.DescribeLogStreamsInput{LogGroupName: aws.String("g"), OrderBy: types.OrderByLastEventTime, Descending: aws.Bool(true)}); got != "d,c,a,b" {
		t.Errorf("by time desc: %s", got)
	}
	if got := names(&cwl.DescribeLogStreamsInput{LogGroupName: aws.String("g"), LogStreamNamePrefix: aws.String("c")}); got != "c" {
		t.Errorf("prefix: %s", got)
	}
	_, err = c.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: aws.String("g"), OrderBy: types.OrderByLastEventTime, LogStreamNamePrefix: aws.String("a")})
	wantErr(t, err, "InvalidParameterException", "Cannot order by LastEventTime with a logStreamNamePrefix.")
	_, err = c.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: aws.String("nope")})
	wantErr(t, err, "ResourceNotFoundException", groupNotFound)
	out := must[*cwl.DescribeLogStreamsOutput](t)(c.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: aws.String("g"), LogStreamNamePrefix: aws.String("a")}))
	s := out.LogStreams[0]
	if *s.Arn != "arn:aws:logs:us-east-1:000000000000:log-group:g:log-stream:a" || *s.FirstEventTimestamp != now-9000 ||
		*s.LastEventTimestamp != now-9000 || *s.LastIngestionTime != now || *s.StoredBytes != 1 || s.UploadSequenceToken == nil {
		t.Errorf("stream %+v", s)
	}
	must[*cwl.DeleteLogStreamOutput](t)(c.DeleteLogStream(ctx, &cwl.DeleteLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("a")}))
	_, err = c.DeleteLogStream(ctx, &cwl.DeleteLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("a")})
	wantErr(t, err, "ResourceNotFoundException", "The specified log stream does not exist.")
}

func createGroupStream2(t *testing.T, c *cwl.Client, group, stream string) {
	t.Helper()
	must[*cwl.CreateLogStreamOutput](t)(c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream)}))
}

func TestPutLogEventsRules(t *testing.T) {
	c, clk, _ := start(t)
	createGroupStream(t, c, "g", "s")
	now := clk.Now().UnixMilli()
	in := func(ts ...int64) *cwl.PutLogEventsInput {
		var evs []types.InputLogEvent
		for _, x := range ts {
			evs = append(evs, types.InputLogEvent{Timestamp: aws.Int64(x), Message: aws.String("m")})
		}
		return &cwl.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), LogEvents: evs, SequenceToken: aws.String("ignored")}
	}
	_, err := c.PutLogEvents(ctx, in(now, now-1))
	wantErr(t, err, "InvalidParameterException", "Log events in a single PutLogEvents request must be in chronological order.")
	_, err = c.PutLogEvents(ctx, in(now-25*3600_000, now))
	wantErr(t, err, "InvalidParameterException", "The batch of log events in a single PutLogEvents request cannot span more than 24 hours.")
	day := int64(86400_000)
	out := must[*cwl.PutLogEventsOutput](t)(c.PutLogEvents(ctx, in(now-15*day, now-15*day+1, now, now+3*3600_000)))
	r := out.RejectedLogEventsInfo
	if r == nil || *r.TooOldLogEventEndIndex != 2 || *r.TooNewLogEventStartIndex != 3 || r.ExpiredLogEventEndIndex != nil {
		t.Errorf("rejected %+v", r)
	}
	if out.NextSequenceToken == nil || len(*out.NextSequenceToken) != 56 {
		t.Errorf("sequence token %v", out.NextSequenceToken)
	}
	must[*cwl.PutRetentionPolicyOutput](t)(c.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: aws.String("g"), RetentionInDays: aws.Int32(1)}))
	out = must[*cwl.PutLogEventsOutput](t)(c.PutLogEvents(ctx, in(now-2*day, now)))
	if r := out.RejectedLogEventsInfo; r == nil || r.ExpiredLogEventEndIndex == nil || *r.ExpiredLogEventEndIndex != 0 {
		t.Errorf("expired %+v", r)
	}
	ev := must[*cwl.GetLogEventsOutput](t)(c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s")}))
	if len(ev.Events) != 2 {
		t.Errorf("stored %d events, want 2", len(ev.Events))
	}
	big := strings.Repeat("x", 1048576-26)
	_, err = c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"),
		LogEvents: []types.InputLogEvent{{Timestamp: aws.Int64(now), Message: aws.String(big)}, {Timestamp: aws.Int64(now), Message: aws.String("y")}}})
	wantErr(t, err, "InvalidParameterException", "")
	must[*cwl.PutLogEventsOutput](t)(c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"),
		LogEvents: []types.InputLogEvent{{Timestamp: aws.Int64(now), Message: aws.String(big)}}}))
	many := make([]int64, 10001)
	for i := range many {
		many[i] = now
	}
	_, err = c.PutLogEvents(ctx, in(many...))
	wantErr(t, err, "InvalidParameterException", "")
	_, err = c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("nope"), LogEvents: in(now).LogEvents})
	wantErr(t, err, "ResourceNotFoundException", "The specified log stream does not exist.")
	_, err = c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("nope"), LogStreamName: aws.String("s"), LogEvents: in(now).LogEvents})
	wantErr(t, err, "ResourceNotFoundException", groupNotFound)
	_, err = c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), LogEvents: []types.InputLogEvent{}})
	wantErr(t, err, "InvalidParameterException", "")
}

func TestGetLogEventsTokens(t *testing.T) {
	c, clk, _ := start(t)
	createGroupStream(t, c, "g", "s")
	base := clk.Now().UnixMilli() - 100_000
	var msgs []string
	for i := range 10 {
		msgs = append(msgs, fmt.Sprint("m", i))
	}
	put(t, c, "g", "s", base, msgs...)
	get := func(in cwl.GetLogEventsInput) (*cwl.GetLogEventsOutput, string) {
		in.LogGroupName, in.LogStreamName = aws.String("g"), aws.String("s")
		out := must[*cwl.GetLogEventsOutput](t)(c.GetLogEvents(ctx, &in))
		var got []string
		for _, e := range out.Events {
			got = append(got, *e.Message)
		}
		return out, strings.Join(got, ",")
	}
	// Default: the tail.
	out, got := get(cwl.GetLogEventsInput{Limit: aws.Int32(3)})
	if got != "m7,m8,m9" {
		t.Errorf("tail: %s", got)
	}
	// Backward from the tail.
	out, got = get(cwl.GetLogEventsInput{Limit: aws.Int32(3), NextToken: out.NextBackwardToken})
	if got != "m4,m5,m6" {
		t.Errorf("backward: %s", got)
	}
	// Forward from the head, to the end: the final token repeats.
	out, got = get(cwl.GetLogEventsInput{Limit: aws.Int32(4), StartFromHead: aws.Bool(true)})
	if got != "m0,m1,m2,m3" {
		t.Errorf("head: %s", got)
	}
	back := out.NextBackwardToken
	var all []string
	all = append(all, got)
	for {
		tok := out.NextForwardToken
		out, got = get(cwl.GetLogEventsInput{Limit: aws.Int32(4), StartFromHead: aws.Bool(true), NextToken: tok})
		if got == "" {
			if *out.NextForwardToken != *tok {
				t.Errorf("end token %s, want %s", *out.NextForwardToken, *tok)
			}
			break
		}
		all = append(all, got)
	}
	if strings.Join(all, ";") != "m0,m1,m2,m3;m4,m5,m6,m7;m8,m9" {
		t.Errorf("forward pages: %v", all)
	}
	// Backward from the head: nothing, same token back.
	out, got = get(cwl.GetLogEventsInput{NextToken: back})
	if got != "" || *out.NextBackwardToken != *back {
		t.Errorf("backward from head: %q %s", got, *out.NextBackwardToken)
	}
	// New events appear after the final forward token.
	tok := out.NextForwardToken
	_, got = get(cwl.GetLogEventsInput{StartFromHead: aws.Bool(true), NextToken: tok})
	if got != "m0,m1,m2,m3,m4,m5,m6,m7,m8,m9" {
		t.Errorf("from head token: %s", got)
	}
	// Time range: start inclusive, end exclusive.
	_, got = get(cwl.GetLogEventsInput{StartTime: aws.Int64(base + 2), EndTime: aws.Int64(base + 5), StartFromHead: aws.Bool(true)})
	if got != "m2,m3,m4" {
		t.Errorf("range: %s", got)
	}
	// Empty stream tokens.
	createGroupStream2(t, c, "g", "empty")
	e := must[*cwl.GetLogEventsOutput](t)(c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("empty")}))
	if len(e.Events) != 0 || *e.NextForwardToken != "f/"+strings.Repeat("0", 56)+"/s" || *e.NextBackwardToken != "b/"+strings.Repeat("0", 56)+"/s" {
		t.Errorf("empty: %+v", e)
	}
	_, err := c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), NextToken: aws.String("x/123")})
	wantErr(t, err, "InvalidParameterException", "The specified nextToken is invalid.")
	_, err = c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("nope")})
	wantErr(t, err, "ResourceNotFoundException", "The specified log stream does not exist.")
	_, err = c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogGroupIdentifier: aws.String("g"), LogStreamName: aws.String("s")})
	wantErr(t, err, "InvalidParameterException", "")
}

func TestFilterLogEvents(t *testing.T) {
	c, clk, _ := start(t)
	createGroupStream(t, c, "g", "web-1")
	createGroupStream2(t, c, "g", "web-2")
	createGroupStream2(t, c, "g", "db")
	base := clk.Now().UnixMilli() - 100_000
	put(t, c, "g", "web-1", base, "ERROR disk", `{"level":"error","n":7}`, "INFO ok")
	put(t, c, "g", "web-2", base, "ERROR net", `{"level":"info","n":2}`, "WARN slow")
	put(t, c, "g", "db", base, "ERROR db", "[x] y")
	filter := func(in cwl.FilterLogEventsInput) string {
		in.LogGroupName = aws.String("g")
		var got []string
		p := cwl.NewFilterLogEventsPaginator(c, &in)
		for p.HasMorePages() {
			for _, e := range must[*cwl.FilterLogEventsOutput](t)(p.NextPage(ctx)).Events {
				got = append(got, *e.LogStreamName+":"+*e.Message)
				if e.EventId == nil || e.IngestionTime == nil {
					t.Errorf("event %+v", e)
				}
			}
		}
		return strings.Join(got, "|")
	}
	if got := filter(cwl.FilterLogEventsInput{FilterPattern: aws.String("ERROR"), Limit: aws.Int32(1)}); got != "web-1:ERROR disk|web-2:ERROR net|db:ERROR db" {
		t.Errorf("interleaved: %s", got)
	}
	if got := filter(cwl.FilterLogEventsInput{FilterPattern: aws.String(`{ $.n > 5 }`)}); got != `web-1:{"level":"error","n":7}` {
		t.Errorf("json: %s", got)
	}
	if got := filter(cwl.FilterLogEventsInput{FilterPattern: aws.String("?WARN ?INFO"), LogStreamNamePrefix: aws.String("web-")}); got != "web-1:INFO ok|web-2:WARN slow" {
		t.Errorf("prefix: %s", got)
	}
	if got := filter(cwl.FilterLogEventsInput{LogStreamNames: []string{"db"}, StartTime: aws.Int64(base + 1), EndTime: aws.Int64(base + 1)}); got != "db:[x] y" {
		t.Errorf("names+time: %s", got)
	}
	_, err := c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String("g"), LogStreamNames: []string{"db"}, LogStreamNamePrefix: aws.String("d")})
	wantErr(t, err, "InvalidParameterException", "")
	_, err = c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String("g"), FilterPattern: aws.String(`{ $.x = `)})
	wantErr(t, err, "InvalidParameterException", "Invalid filter pattern")
	_, err = c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String("nope")})
	wantErr(t, err, "ResourceNotFoundException", groupNotFound)
}

func TestSubscriptionAndMetricFilters(t *testing.T) {
	c, _, _ := start(t)
	createGroupStream(t, c, "g", "")
	for _, n := range []string{"s1", "s2"} {
		must[*cwl.PutSubscriptionFilterOutput](t)(c.PutSubscriptionFilter(ctx, &cwl.PutSubscriptionFilterInput{LogGroupName: aws.String("g"),
			FilterName: aws.String(n), FilterPattern: aws.String("ERROR"), DestinationArn: aws.String("arn:aws:lambda:us-east-1:000000000000:function:f")}))
	}
	_, err := c.PutSubscriptionFilter(ctx, &cwl.PutSubscriptionFilterInput{LogGroupName: aws.String("g"),
		FilterName: aws.String("s3"), FilterPattern: aws.String(""), DestinationArn: aws.String("arn:x")})
	wantErr(t, err, "LimitExceededException", "Resource limit exceeded.")
	subs := must[*cwl.DescribeSubscriptionFiltersOutput](t)(c.DescribeSubscriptionFilters(ctx, &cwl.DescribeSubscriptionFiltersInput{LogGroupName: aws.String("g")}))
	if len(subs.SubscriptionFilters) != 2 || subs.SubscriptionFilters[0].Distribution != types.DistributionByLogStream {
		t.Errorf("subscriptions %+v", subs.SubscriptionFilters)
	}
	must[*cwl.DeleteSubscriptionFilterOutput](t)(c.DeleteSubscriptionFilter(ctx, &cwl.DeleteSubscriptionFilterInput{LogGroupName: aws.String("g"), FilterName: aws.String("s1")}))
	_, err = c.DeleteSubscriptionFilter(ctx, &cwl.DeleteSubscriptionFilterInput{LogGroupName: aws.String("g"), FilterName: aws.String("s1")})
	wantErr(t, err, "ResourceNotFoundException", "The specified subscription filter does not exist.")

	must[*cwl.PutMetricFilterOutput](t)(c.PutMetricFilter(ctx, &cwl.PutMetricFilterInput{LogGroupName: aws.String("g"), FilterName: aws.String("errors"),
		FilterPattern: aws.String("[ip, status = 5*, bytes]"), MetricTransformations: []types.MetricTransformation{{MetricName: aws.String("Errors"), MetricNamespace: aws.String("App"), MetricValue: aws.String("1")}}}))
	mf := must[*cwl.DescribeMetricFiltersOutput](t)(c.DescribeMetricFilters(ctx, &cwl.DescribeMetricFiltersInput{MetricName: aws.String("Errors"), MetricNamespace: aws.String("App")}))
	if len(mf.MetricFilters) != 1 || *mf.MetricFilters[0].LogGroupName != "g" {
		t.Errorf("metric filters %+v", mf.MetricFilters)
	}
	g := must[*cwl.DescribeLogGroupsOutput](t)(c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{}))
	if *g.LogGroups[0].MetricFilterCount != 1 {
		t.Errorf("metricFilterCount %d", *g.LogGroups[0].MetricFilterCount)
	}
	tm := must[*cwl.TestMetricFilterOutput](t)(c.TestMetricFilter(ctx, &cwl.TestMetricFilterInput{FilterPattern: aws.String("[ip, status = 5*, bytes]"),
		LogEventMessages: []string{"1.2.3.4 200 10", "1.2.3.4 503 12"}}))
	if len(tm.Matches) != 1 || tm.Matches[0].EventNumber != 2 || tm.Matches[0].ExtractedValues["$status"] != "503" {
		t.Errorf("test metric filter %+v", tm.Matches)
	}
	must[*cwl.DeleteMetricFilterOutput](t)(c.DeleteMetricFilter(ctx, &cwl.DeleteMetricFilterInput{LogGroupName: aws.String("g"), FilterName: aws.String("errors")}))
	_, err = c.DeleteMetricFilter(ctx, &cwl.DeleteMetricFilterInput{LogGroupName: aws.String("g"), FilterName: aws.String("errors")})
	wantErr(t, err, "ResourceNotFoundException", "")
	_, err = c.StartQuery(ctx, &cwl.StartQueryInput{LogGroupName: aws.String("g"), QueryString: aws.String("fields @message"), StartTime: aws.Int64(0), EndTime: aws.Int64(1)})
	if err == nil {
		t.Error("StartQuery succeeded; want not implemented")
	}
}

func TestAppendAndPersistence(t *testing.T) {
	dir := t.TempDir()
	var store *Store
	ctor := func(d service.Deps) (*service.Service, error) {
		svc, st, err := NewWithStore(d)
		store = st
		return svc, err
	}
	srv := servertest.Start(t, server.Options{DataDir: dir}, ctor)
	c := cwl.NewFromConfig(servertest.Config(t, srv, "", ""))
	now := time.Now()
	if err := store.Append("000000000000", "us-east-1", "/aws/lambda/f", "2025/06/01/[$LATEST]abc", []Event{
		{Time: now.Add(time.Second), Message: "second"}, {Time: now, Message: "first"}, {Time: now, Message: ""},
	}); err != nil {
		t.Fatal(err)
	}
	if err := store.Append("000000000000", "us-east-1", "bad name", "s", nil); err == nil {
		t.Error("Append accepted an invalid group name")
	}
	createGroupStream(t, c, "kept", "s")
	put(t, c, "kept", "s", now.UnixMilli(), "a", "b")
	must[*cwl.PutRetentionPolicyOutput](t)(c.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: aws.String("kept"), RetentionInDays: aws.Int32(7)}))
	createGroupStream(t, c, "gone", "s")
	must[*cwl.DeleteLogGroupOutput](t)(c.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: aws.String("gone")}))
	srv.Close()

	srv = servertest.Start(t, server.Options{DataDir: dir}, ctor)
	c = cwl.NewFromConfig(servertest.Config(t, srv, "", ""))
	evs, err := store.Events("000000000000", "us-east-1", "/aws/lambda/f", "2025/06/01/[$LATEST]abc")
	if err != nil || len(evs) != 2 || evs[0].Message != "first" || evs[1].Message != "second" {
		t.Fatalf("restored lambda events %v %v", evs, err)
	}
	g := must[*cwl.DescribeLogGroupsOutput](t)(c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{}))
	if len(g.LogGroups) != 2 || *g.LogGroups[1].LogGroupName != "kept" || *g.LogGroups[1].RetentionInDays != 7 {
		t.Fatalf("restored groups %+v", g.LogGroups)
	}
	ev := must[*cwl.GetLogEventsOutput](t)(c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("kept"), LogStreamName: aws.String("s")}))
	if len(ev.Events) != 2 {
		t.Errorf("restored %d events", len(ev.Events))
	}
	put(t, c, "kept", "s", now.UnixMilli()+5, "c")
	f := must[*cwl.FilterLogEventsOutput](t)(c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String("kept")}))
	if len(f.Events) != 3 || *f.Events[2].Message != "c" {
		t.Errorf("after restore: %d events", len(f.Events))
	}
}
