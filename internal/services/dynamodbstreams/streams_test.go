package dynamodbstreams_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	stypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/virga-aws/virga/internal/clock"
	"github.com/virga-aws/virga/internal/server"
	"github.com/virga-aws/virga/internal/server/servertest"
	"github.com/virga-aws/virga/internal/service"
	ddb "github.com/virga-aws/virga/internal/services/dynamodb"
	vstreams "github.com/virga-aws/virga/internal/services/dynamodbstreams"
)

func TestStreams(t *testing.T) {
	ctx := context.Background()
	clk := clock.New()
	clk.Freeze()
	var backend *ddb.Service
	srv := servertest.Start(t, server.Options{Clock: clk},
		func(d service.Deps) (*service.Service, error) {
			s, reg, err := ddb.Build(d)
			backend = s
			return reg, err
		},
		func(d service.Deps) (*service.Service, error) { return vstreams.Constructor(backend)(d) })
	cfg := servertest.Config(t, srv, "", "")
	c := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true })
	sc := dynamodbstreams.NewFromConfig(cfg)
	out, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String("str"), BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		StreamSpecification:  &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewAndOldImages}})
	if err != nil {
		t.Fatal(err)
	}
	arn := out.TableDescription.LatestStreamArn
	key := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "a"}}
	c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("str"), Item: map[string]types.AttributeValue{"pk": key["pk"], "v": &types.AttributeValueMemberN{Value: "1"}}})
	c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("str"), Key: key, UpdateExpression: aws.String("SET v = :two"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":two": &types.AttributeValueMemberN{Value: "2"}}})
	c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("str"), Key: key})

	ls, err := sc.ListStreams(ctx, &dynamodbstreams.ListStreamsInput{TableName: aws.String("str")})
	if err != nil || len(ls.Streams) != 1 || *ls.Streams[0].StreamArn != *arn {
		t.Fatalf("list: %v %+v", err, ls)
	}
	ds, err := sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: arn})
	if err != nil || len(ds.StreamDescription.Shards) != 1 {
		t.Fatalf("describe: %v", err)
	}
	shard := ds.StreamDescription.Shards[0].ShardId
	it, err := sc.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: arn, ShardId: shard, ShardIteratorType: stypes.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it.ShardIterator})
	if err != nil || len(recs.Records) != 3 {
		t.Fatalf("records: %v %d", err, len(recs.Records))
	}
	names := ""
	for _, r := range recs.Records {
		names += string(r.EventName) + " "
	}
	if names != "INSERT MODIFY REMOVE " || recs.Records[1].Dynamodb.OldImage["v"].(*stypes.AttributeValueMemberN).Value != "1" {
		t.Fatalf("records: %s", names)
	}
	after, _ := sc.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: arn, ShardId: shard,
		ShardIteratorType: stypes.ShardIteratorTypeAfterSequenceNumber, SequenceNumber: recs.Records[1].Dynamodb.SequenceNumber})
	r2, _ := sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: after.ShardIterator})
	if len(r2.Records) != 1 || r2.Records[0].EventName != stypes.OperationTypeRemove {
		t.Fatalf("after: %+v", r2.Records)
	}
	// Iterators expire after 15 minutes; records after 24 hours.
	clk.Advance(16 * time.Minute)
	_, err = sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: recs.NextShardIterator})
	if err == nil {
		t.Fatal("expired iterator accepted")
	}
	clk.Advance(24 * time.Hour)
	it, _ = sc.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: arn, ShardId: shard, ShardIteratorType: stypes.ShardIteratorTypeTrimHorizon})
	recs, _ = sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it.ShardIterator})
	if len(recs.Records) != 0 {
		t.Fatalf("records past retention: %d", len(recs.Records))
	}
}
