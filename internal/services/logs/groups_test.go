package logs

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

const groupNotFound = "The specified log group does not exist."

func TestLogGroups(t *testing.T) {
	c, _, _ := start(t)
	for i := range 7 {
		createGroupStream(t, c, fmt.Sprintf("/app/g%d", i), "")
	}
	createGroupStream(t, c, "/other/DataLogs", "")
	_, err := c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("/app/g1")})
	wantErr(t, err, "ResourceAlreadyExistsException", "The specified log group already exists")
	_, err = c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("bad name!")})
	wantErr(t, err, "InvalidParameterException", "1 validation error detected: Value 'bad name!' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+")
	_, err = c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("ia"), LogGroupClass: types.LogGroupClassInfrequentAccess,
		Tags: map[string]string{"team": "a"}})
	if err != nil {
		t.Fatal(err)
	}

	// Pagination by prefix, two at a time.
	var names []string
	in := &cwl.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/app/"), Limit: aws.Int32(2)}
	p := cwl.NewDescribeLogGroupsPaginator(c, in)
	pages := 0
	for p.HasMorePages() {
		out := must[*cwl.DescribeLogGroupsOutput](t)(p.NextPage(ctx))
		pages++
		for _, g := range out.LogGroups {
			names = append(names, *g.LogGroupName)
			if *g.Arn != "arn:aws:logs:us-east-1:000000000000:log-group:"+*g.LogGroupName+":*" ||
				*g.LogGroupArn != "arn:aws:logs:us-east-1:000000000000:log-group:"+*g.LogGroupName ||
				g.LogGroupClass != types.LogGroupClassStandard || g.CreationTime == nil || g.RetentionInDays != nil {
				t.Errorf("group %+v", g)
			}
		}
	}
	if pages != 4 || len(names) != 7 || names[0] != "/app/g0" || names[6] != "/app/g6" {
		t.Errorf("pages %d names %v", pages, names)
	}
	out := must[*cwl.DescribeLogGroupsOutput](t)(c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{LogGroupNamePattern: aws.String("DataLogs")}))
	if len(out.LogGroups) != 1 || *out.LogGroups[0].LogGroupName != "/other/DataLogs" {
		t.Errorf("pattern: %+v", out.LogGroups)
	}
	out = must[*cwl.DescribeLogGroupsOutput](t)(c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{LogGroupClass: types.LogGroupClassInfrequentAccess}))
	if len(out.LogGroups) != 1 || *out.LogGroups[0].LogGroupName != "ia" {
		t.Errorf("class: %+v", out.LogGroups)
	}
	_, err = c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{LogGroupNamePattern: aws.String("a"), LogGroupNamePrefix: aws.String("b")})
	wantErr(t, err, "InvalidParameterException", "")
	_, err = c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{Limit: aws.Int32(51)})
	wantErr(t, err, "InvalidParameterException", "1 validation error detected: Value '51' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50")
	_, err = c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{NextToken: aws.String("garbage")})
	wantErr(t, err, "InvalidParameterException", "The specified nextToken is invalid.")

	lst := must[*cwl.ListLogGroupsOutput](t)(c.ListLogGroups(ctx, &cwl.ListLogGroupsInput{LogGroupNamePattern: aws.String("^/app/g3|DataLogs")}))
	if len(lst.LogGroups) != 2 || *lst.LogGroups[0].LogGroupName != "/app/g3" {
		t.Errorf("ListLogGroups: %+v", lst.LogGroups)
	}

	// Another account sees nothing.
	other := cwl.NewFromConfig(otherAccount(t, c))
	out = must[*cwl.DescribeLogGroupsOutput](t)(other.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{}))
	if len(out.LogGroups) != 0 {
		t.Errorf("other account sees %d groups", len(out.LogGroups))
	}

	must[*cwl.DeleteLogGroupOutput](t)(c.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: aws.String("/app/g1")}))
	_, err = c.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: aws.String("/app/g1")})
	wantErr(t, err, "ResourceNotFoundException", groupNotFound)
}

func otherAccount(t *testing.T, c *cwl.Client) aws.Config {
	o := c.Options()
	cfg := aws.Config{Region: o.Region, BaseEndpoint: o.BaseEndpoint, HTTPClient: o.HTTPClient, Credentials: aws.CredentialsProviderFunc(
		func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "111122223333", SecretAccessKey: "x"}, nil
		})}
	return cfg
}

func TestRetention(t *testing.T) {
	c, clk, _ := start(t)
	createGroupStream(t, c, "g", "s")
	_, err := c.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: aws.String("g"), RetentionInDays: aws.Int32(4)})
	wantErr(t, err, "InvalidParameterException", "1 validation error detected: Value '4' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]")
	_, err = c.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: aws.String("nope"), RetentionInDays: aws.Int32(1)})
	wantErr(t, err, "ResourceNotFoundException", groupNotFound)
	must[*cwl.PutRetentionPolicyOutput](t)(c.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: aws.String("g"), RetentionInDays: aws.Int32(1)}))
	now := clk.Now().UnixMilli()
	must[*cwl.PutLogEventsOutput](t)(c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"),
		LogEvents: []types.InputLogEvent{{Timestamp: aws.Int64(now - 3600_000), Message: aws.String("old")}, {Timestamp: aws.Int64(now), Message: aws.String("new")}}}))
	g := must[*cwl.DescribeLogGroupsOutput](t)(c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{}))
	if *g.LogGroups[0].RetentionInDays != 1 || *g.LogGroups[0].StoredBytes != 6 {
		t.Errorf("group %+v", g.LogGroups[0])
	}
	clk.Advance(23*time.Hour + 30*time.Minute)
	ev := must[*cwl.GetLogEventsOutput](t)(c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s")}))
	if len(ev.Events) != 1 || *ev.Events[0].Message != "new" {
		t.Errorf("after 23.5h: %d events", len(ev.Events))
	}
	must[*cwl.DeleteRetentionPolicyOutput](t)(c.DeleteRetentionPolicy(ctx, &cwl.DeleteRetentionPolicyInput{LogGroupName: aws.String("g")}))
	clk.Advance(48 * time.Hour)
	ev = must[*cwl.GetLogEventsOutput](t)(c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s")}))
	if len(ev.Events) != 1 {
		t.Errorf("without retention: %d events", len(ev.Events))
	}
	g = must[*cwl.DescribeLogGroupsOutput](t)(c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{}))
	if g.LogGroups[0].RetentionInDays != nil {
		t.Errorf("retention still %d", *g.LogGroups[0].RetentionInDays)
	}
}

func TestTags(t *testing.T) {
	c, _, _ := start(t)
	must[*cwl.CreateLogGroupOutput](t)(c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("g"), Tags: map[string]string{"a": "1"}}))
	arn := "arn:aws:logs:us-east-1:000000000000:log-group:g"
	must[*cwl.TagResourceOutput](t)(c.TagResource(ctx, &cwl.TagResourceInput{ResourceArn: aws.String(arn), Tags: map[string]string{"b": "2", "c": "3"}}))
	must[*cwl.UntagResourceOutput](t)(c.UntagResource(ctx, &cwl.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"c"}}))
	tags := must[*cwl.ListTagsForResourceOutput](t)(c.ListTagsForResource(ctx, &cwl.ListTagsForResourceInput{ResourceArn: aws.String(arn)}))
	if len(tags.Tags) != 2 || tags.Tags["a"] != "1" || tags.Tags["b"] != "2" {
		t.Errorf("tags %v", tags.Tags)
	}
	must[*cwl.TagLogGroupOutput](t)(c.TagLogGroup(ctx, &cwl.TagLogGroupInput{LogGroupName: aws.String("g"), Tags: map[string]string{"d": "4"}}))
	must[*cwl.UntagLogGroupOutput](t)(c.UntagLogGroup(ctx, &cwl.UntagLogGroupInput{LogGroupName: aws.String("g"), Tags: []string{"a"}}))
	legacy := must[*cwl.ListTagsLogGroupOutput](t)(c.ListTagsLogGroup(ctx, &cwl.ListTagsLogGroupInput{LogGroupName: aws.String("g")}))
	if len(legacy.Tags) != 2 || legacy.Tags["d"] != "4" || legacy.Tags["b"] != "2" {
		t.Errorf("legacy tags %v", legacy.Tags)
	}
	many := map[string]string{}
	for i := range 49 {
		many[fmt.Sprint("k", i)] = "v"
	}
	_, err := c.TagResource(ctx, &cwl.TagResourceInput{ResourceArn: aws.String(arn), Tags: many})
	wantErr(t, err, "TooManyTagsException", "")
	_, err = c.ListTagsForResource(ctx, &cwl.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:logs:us-east-1:000000000000:log-group:nope")})
	wantErr(t, err, "ResourceNotFoundException", groupNotFound)
	_, err = c.ListTagsLogGroup(ctx, &cwl.ListTagsLogGroupInput{LogGroupName: aws.String("nope")})
	wantErr(t, err, "ResourceNotFoundException", groupNotFound)
	_, err = c.TagResource(ctx, &cwl.TagResourceInput{ResourceArn: aws.String("not-an-arn"), Tags: map[string]string{"a": "b"}})
	wantErr(t, err, "InvalidParameterException", "")
}
