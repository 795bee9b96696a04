package dynamodb_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/virga-aws/virga/internal/clock"
	"github.com/virga-aws/virga/internal/server"
	"github.com/virga-aws/virga/internal/server/servertest"
	ddb "github.com/virga-aws/virga/internal/services/dynamodb"
)

func newClient(t testing.TB) *dynamodb.Client {
	srv := servertest.Start(t, server.Options{}, ddb.New)
	return dynamodb.NewFromConfig(servertest.Config(t, srv, "", ""), noCRC)
}

var ctx = context.Background()

func s(v string) *types.AttributeValueMemberS { return &types.AttributeValueMemberS{Value: v} }
func n(v string) *types.AttributeValueMemberN { return &types.AttributeValueMemberN{Value: v} }

// wantErr checks an API error's code and message.
func wantErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want %s", err, code)
	}
	if ae.ErrorCode() != code || ae.ErrorMessage() != msg {
		t.Fatalf("got %s: %q\nwant %s: %q", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
}

func createTable(t *testing.T, c *dynamodb.Client, name string, rng bool) {
	t.Helper()
	in := &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
	}
	if rng {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeN})
		in.KeySchema = append(in.KeySchema, types.KeySchemaElement{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange})
	}
	if _, err := c.CreateTable(ctx, in); err != nil {
		t.Fatal(err)
	}
}

func TestTables(t *testing.T) {
	c := newClient(t)
	createTable(t, c, "tb1", true)
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String("tb1"), BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
	})
	wantErr(t, err, "ResourceInUseException", "Table already exists: tb1")
	_, err = c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String("tb2"), BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
	})
	wantErr(t, err, "ValidationException", "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [pk], AttributeDefinitions: [id]")
	_, err = c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("tb3"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
	})
	wantErr(t, err, "ValidationException", "No provisioned throughput specified for the table")

	d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("tb1")})
	if err != nil {
		t.Fatal(err)
	}
	if d.Table.TableStatus != types.TableStatusActive || *d.Table.TableArn != "arn:aws:dynamodb:us-east-1:000000000000:table/tb1" {
		t.Fatalf("describe: %+v", d.Table)
	}
	_, err = c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("nope")})
	wantErr(t, err, "ResourceNotFoundException", "Requested resource not found: Table: nope not found")

	for i := 0; i < 5; i++ {
		createTable(t, c, fmt.Sprintf("px%d", i), false)
	}
	l, err := c.ListTables(ctx, &dynamodb.ListTablesInput{Limit: aws.Int32(3)})
	if err != nil || len(l.TableNames) != 3 || *l.LastEvaluatedTableName != "px2" {
		t.Fatalf("list: %v %+v", err, l)
	}
	l, err = c.ListTables(ctx, &dynamodb.ListTablesInput{ExclusiveStartTableName: l.LastEvaluatedTableName})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(l.TableNames, ",") != "px3,px4,tb1" || l.LastEvaluatedTableName != nil {
		t.Fatalf("list page 2: %v", l.TableNames)
	}

	arn := d.Table.TableArn
	if _, err := c.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: arn, Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("dev")}}}); err != nil {
		t.Fatal(err)
	}
	tags, _ := c.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: arn})
	if len(tags.Tags) != 1 || *tags.Tags[0].Value != "dev" {
		t.Fatalf("tags: %+v", tags.Tags)
	}
	c.UntagResource(ctx, &dynamodb.UntagResourceInput{ResourceArn: arn, TagKeys: []string{"env"}})
	tags, _ = c.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: arn})
	if len(tags.Tags) != 0 {
		t.Fatalf("tags after untag: %+v", tags.Tags)
	}
	if _, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("px0")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("px0")})
	wantErr(t, err, "ResourceNotFoundException", "Requested resource not found: Table: px0 not found")
	_, err = c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("px0"), Key: map[string]types.AttributeValue{"pk": s("a")}})
	wantErr(t, err, "ResourceNotFoundException", "Requested resource not found")
}

type record struct {
	PK    string   `dynamodbav:"pk"`
	SK    int      `dynamodbav:"sk"`
	Name  string   `dynamodbav:"name"`
	Count int      `dynamodbav:"count"`
	Tags  []string `dynamodbav:"tags,stringset"`
}

func TestItems(t *testing.T) {
	c := newClient(t)
	createTable(t, c, "items", true)
	item, err := attributevalue.MarshalMap(record{PK: "a", SK: 1, Name: "one", Count: 5, Tags: []string{"x", "y"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("items"), Item: item}); err != nil {
		t.Fatal(err)
	}
	key := map[string]types.AttributeValue{"pk": s("a"), "sk": n("1")}
	got, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("items"), Key: key})
	if err != nil {
		t.Fatal(err)
	}
	var r record
	attributevalue.UnmarshalMap(got.Item, &r)
	if r.Name != "one" || r.Count != 5 || len(r.Tags) != 2 {
		t.Fatalf("get: %+v", r)
	}

	// Condition failure, with the old item returned on request.
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("items"), Item: item,
		ConditionExpression: aws.String("attribute_not_exists(pk)"), ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
	wantErr(t, err, "ConditionalCheckFailedException", "The conditional request failed")
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) || ccf.Item["name"].(*types.AttributeValueMemberS).Value != "one" {
		t.Fatalf("condition failure item: %v", err)
	}

	// Update with the expression builder.
	upd := expression.Set(expression.Name("name"), expression.Value("uno")).
		Add(expression.Name("count"), expression.Value(2)).
		Delete(expression.Name("tags"), expression.Value(&types.AttributeValueMemberSS{Value: []string{"x"}}))
	cond := expression.Name("count").GreaterThan(expression.Value(4))
	e, err := expression.NewBuilder().WithUpdate(upd).WithCondition(cond).Build()
	if err != nil {
		t.Fatal(err)
	}
	u, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("items"), Key: key,
		UpdateExpression: e.Update(), ConditionExpression: e.Condition(),
		ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values(), ReturnValues: types.ReturnValueAllNew})
	if err != nil {
		t.Fatal(err)
	}
	attributevalue.UnmarshalMap(u.Attributes, &r)
	if r.Name != "uno" || r.Count != 7 || len(r.Tags) != 1 || r.Tags[0] != "y" {
		t.Fatalf("update: %+v", r)
	}
	u, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("items"), Key: key,
		UpdateExpression: aws.String("SET nested = :m, lst = list_append(if_not_exists(lst, :e), :l) REMOVE tags"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"a": n("1")}},
			":e": &types.AttributeValueMemberL{Value: []types.AttributeValue{}},
			":l": &types.AttributeValueMemberL{Value: []types.AttributeValue{n("1"), n("2")}},
		}, ReturnValues: types.ReturnValueUpdatedNew})
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Attributes) != 2 || len(u.Attributes["lst"].(*types.AttributeValueMemberL).Value) != 2 {
		t.Fatalf("updated new: %v", u.Attributes)
	}
	if _, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("items"), Key: key,
		UpdateExpression:          aws.String("SET nested.b = :v REMOVE lst[0]"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": s("x")}}); err != nil {
		t.Fatal(err)
	}
	got, _ = c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("items"), Key: key,
		ProjectionExpression: aws.String("nested.b, lst[0], #n"), ExpressionAttributeNames: map[string]string{"#n": "name"}})
	if len(got.Item) != 3 || got.Item["lst"].(*types.AttributeValueMemberL).Value[0].(*types.AttributeValueMemberN).Value != "2" {
		t.Fatalf("projection: %#v", got.Item)
	}

	// Numbers are stored canonically and keep 38 digits.
	big := "12345678901234567890123456789012345678"
	c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("items"), Key: key,
		UpdateExpression: aws.String("SET big = :b, small = :s"), ExpressionAttributeValues: map[string]types.AttributeValue{":b": n(big), ":s": n("0.0100")}})
	got, _ = c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("items"), Key: key})
	if got.Item["big"].(*types.AttributeValueMemberN).Value != big || got.Item["small"].(*types.AttributeValueMemberN).Value != "0.01" {
		t.Fatalf("numbers: %v %v", got.Item["big"], got.Item["small"])
	}

	del, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("items"), Key: key, ReturnValues: types.ReturnValueAllOld})
	if err != nil || del.Attributes["name"] == nil {
		t.Fatalf("delete: %v %v", err, del)
	}
	got, _ = c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("items"), Key: key})
	if got.Item != nil {
		t.Fatalf("item still there: %v", got.Item)
	}
}

func TestItemErrors(t *testing.T) {
	c := newClient(t)
	createTable(t, c, "err", true)
	tn := aws.String("err")
	key := map[string]types.AttributeValue{"pk": s("a"), "sk": n("1")}
	vals := func(kv ...any) map[string]types.AttributeValue {
		m := map[string]types.AttributeValue{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1].(types.AttributeValue)
		}
		return m
	}
	cases := []struct {
		name string
		call func() error
		msg  string
	}{
		{"syntax", func() error {
			_, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tn, Key: key, UpdateExpression: aws.String("ADD hits : incr"), ExpressionAttributeValues: vals(":incr", n("1"))})
			return err
		}, `Invalid UpdateExpression: Syntax error; token: ":", near: "hits : incr"`},
		{"reserved", func() error {
			_, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tn, Key: key, UpdateExpression: aws.String("SET status = :v"), ExpressionAttributeValues: vals(":v", n("1"))})
			return err
		}, "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status"},
		{"undefined value", func() error {
			_, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tn, Key: key, UpdateExpression: aws.String("SET a = :v")})
			return err
		}, "Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :v"},
		{"undefined name", func() error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tn, Item: key, ConditionExpression: aws.String("attribute_exists(#x)")})
			return err
		}, "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #x"},
		{"unused value", func() error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tn, Item: key, ConditionExpression: aws.String("attribute_exists(a)"), ExpressionAttributeValues: vals(":u", n("1"))})
			return err
		}, "Value provided in ExpressionAttributeValues unused in expressions: keys: {:u}"},
		{"values without expressions", func() error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tn, Item: key, ExpressionAttributeValues: vals(":u", n("1"))})
			return err
		}, "ExpressionAttributeValues can only be specified when using expressions"},
		{"overlap", func() error {
			_, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tn, Key: key, UpdateExpression: aws.String("SET a = :v, a.b = :v"), ExpressionAttributeValues: vals(":v", n("1"))})
			return err
		}, "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]"},
		{"key update", func() error {
			_, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tn, Key: key, UpdateExpression: aws.String("SET pk = :v"), ExpressionAttributeValues: vals(":v", s("x"))})
			return err
		}, "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key"},
		{"bad key", func() error {
			_, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: tn, Key: map[string]types.AttributeValue{"pk": s("a")}})
			return err
		}, "The provided key element does not match the schema"},
		{"missing key", func() error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tn, Item: map[string]types.AttributeValue{"pk": s("a")}})
			return err
		}, "One or more parameter values were invalid: Missing the key sk in the item"},
		{"type mismatch", func() error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tn, Item: map[string]types.AttributeValue{"pk": s("a"), "sk": s("x")}})
			return err
		}, "One or more parameter values were invalid: Type mismatch for key sk expected: N actual: S"},
		{"empty key", func() error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tn, Item: map[string]types.AttributeValue{"pk": s(""), "sk": n("1")}})
			return err
		}, "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk"},
		{"empty set", func() error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tn, Item: vals("pk", s("a"), "sk", n("1"), "ss", &types.AttributeValueMemberSS{Value: []string{}})})
			return err
		}, "One or more parameter values were invalid: An string set  may not be empty"},
		{"bad number", func() error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tn, Item: vals("pk", s("a"), "sk", n("1"), "x", n("abc"))})
			return err
		}, "The parameter cannot be converted to a numeric value: abc"},
		{"too precise", func() error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tn, Item: vals("pk", s("a"), "sk", n("1"), "x", n("123456789012345678901234567890123456789"))})
			return err
		}, "Attempting to store more than 38 significant digits in a Number"},
		{"too large", func() error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tn, Item: vals("pk", s("a"), "sk", n("1"), "x", s(strings.Repeat("x", 400*1024)))})
			return err
		}, "Item size has exceeded the maximum allowed size"},
		{"bad function", func() error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tn, Item: key, ConditionExpression: aws.String("foo(a)")})
			return err
		}, "Invalid ConditionExpression: Invalid function name; function: foo"},
		{"empty expression", func() error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tn, Item: key, ConditionExpression: aws.String("")})
			return err
		}, "Invalid ConditionExpression: The expression can not be empty;"},
		{"update data type", func() error {
			c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tn, Item: vals("pk", s("a"), "sk", n("1"), "str", s("x"))})
			_, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tn, Key: key, UpdateExpression: aws.String("SET str = str + :v"), ExpressionAttributeValues: vals(":v", n("1"))})
			return err
		}, "An operand in the update expression has an incorrect data type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, tc.call(), "ValidationException", tc.msg)
		})
	}
}

func TestQueryScanIndexes(t *testing.T) {
	c := newClient(t)
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String("qry"), BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeN},
			{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("l"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{IndexName: aws.String("byG"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}}},
		LocalSecondaryIndexes: []types.LocalSecondaryIndex{{IndexName: aws.String("byL"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("l"), KeyType: types.KeyTypeRange}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for p := 0; p < 3; p++ {
		for i := 0; i < 20; i++ {
			item := map[string]types.AttributeValue{"pk": s(fmt.Sprint("p", p)), "sk": n(fmt.Sprint(i - 5)), "v": n(fmt.Sprint(i % 2))}
			if i%4 == 0 {
				item["g"] = s("even")
			}
			item["l"] = s(fmt.Sprintf("l%02d", 19-i))
			if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("qry"), Item: item}); err != nil {
				t.Fatal(err)
			}
		}
	}
	q := func(in *dynamodb.QueryInput) *dynamodb.QueryOutput {
		t.Helper()
		in.TableName = aws.String("qry")
		out, err := c.Query(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	keyCond := expression.Key("pk").Equal(expression.Value("p1")).And(expression.Key("sk").Between(expression.Value(-2), expression.Value(3)))
	e, _ := expression.NewBuilder().WithKeyCondition(keyCond).Build()
	out := q(&dynamodb.QueryInput{KeyConditionExpression: e.KeyCondition(), ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values()})
	if out.Count != 6 || out.Items[0]["sk"].(*types.AttributeValueMemberN).Value != "-2" {
		t.Fatalf("between: %d %v", out.Count, out.Items[0]["sk"])
	}
	// Limit counts items read before the filter; pagination resumes.
	vals := map[string]types.AttributeValue{":p": s("p0"), ":one": n("1")}
	out = q(&dynamodb.QueryInput{KeyConditionExpression: aws.String("pk = :p"), FilterExpression: aws.String("v = :one"),
		ExpressionAttributeValues: vals, Limit: aws.Int32(5), ScanIndexForward: aws.Bool(false)})
	if out.ScannedCount != 5 || out.Count != 3 || out.LastEvaluatedKey == nil || out.Items[0]["sk"].(*types.AttributeValueMemberN).Value != "14" {
		t.Fatalf("limit+filter: %d %d %v", out.ScannedCount, out.Count, out.Items)
	}
	total := int(out.Count)
	for out.LastEvaluatedKey != nil {
		out = q(&dynamodb.QueryInput{KeyConditionExpression: aws.String("pk = :p"), FilterExpression: aws.String("v = :one"),
			ExpressionAttributeValues: vals, Limit: aws.Int32(5), ScanIndexForward: aws.Bool(false), ExclusiveStartKey: out.LastEvaluatedKey})
		total += int(out.Count)
	}
	if total != 10 {
		t.Fatalf("paged total %d", total)
	}
	_, err = c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("qry"), KeyConditionExpression: aws.String("pk = :p AND begins_with(sk, :x)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("p0"), ":x": n("1")}})
	wantErr(t, err, "ValidationException", "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N")
	_, err = c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("qry"), KeyConditionExpression: aws.String("sk = :x"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":x": n("1")}})
	wantErr(t, err, "ValidationException", "Query condition missed key schema element: pk")
	_, err = c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("qry"), KeyConditionExpression: aws.String("pk = :p OR sk = :x"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("p0"), ":x": n("1")}})
	wantErr(t, err, "ValidationException", "Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: OR")

	// Sparse GSI with a KEYS_ONLY projection.
	out = q(&dynamodb.QueryInput{IndexName: aws.String("byG"), KeyConditionExpression: aws.String("g = :g"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":g": s("even")}})
	if out.Count != 15 || len(out.Items[0]) != 3 {
		t.Fatalf("gsi: %d %v", out.Count, out.Items[0])
	}
	// LSI order follows the index sort key.
	out = q(&dynamodb.QueryInput{IndexName: aws.String("byL"), KeyConditionExpression: aws.String("pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("p2")}, Limit: aws.Int32(1)})
	if out.Items[0]["l"].(*types.AttributeValueMemberS).Value != "l00" || out.LastEvaluatedKey["l"] == nil {
		t.Fatalf("lsi: %v %v", out.Items, out.LastEvaluatedKey)
	}
	cnt := q(&dynamodb.QueryInput{KeyConditionExpression: aws.String("pk = :p"), Select: types.SelectCount,
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("p2")}})
	if cnt.Count != 20 || cnt.Items != nil {
		t.Fatalf("count: %d %v", cnt.Count, cnt.Items)
	}

	// Scan with pages, and a parallel scan covering everything once.
	seen := 0
	var lek map[string]types.AttributeValue
	for {
		sc, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("qry"), Limit: aws.Int32(7), ExclusiveStartKey: lek})
		if err != nil {
			t.Fatal(err)
		}
		seen += int(sc.Count)
		if lek = sc.LastEvaluatedKey; lek == nil {
			break
		}
	}
	if seen != 60 {
		t.Fatalf("scan saw %d", seen)
	}
	seen = 0
	for seg := int32(0); seg < 4; seg++ {
		sc, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("qry"), Segment: aws.Int32(seg), TotalSegments: aws.Int32(4)})
		if err != nil {
			t.Fatal(err)
		}
		seen += int(sc.Count)
	}
	if seen != 60 {
		t.Fatalf("parallel scan saw %d", seen)
	}
}

func TestBatchAndTransactions(t *testing.T) {
	c := newClient(t)
	createTable(t, c, "bat", false)
	var reqs []types.WriteRequest
	for i := 0; i < 25; i++ {
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{"pk": s(fmt.Sprint(i))}}})
	}
	if _, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"bat": reqs}}); err != nil {
		t.Fatal(err)
	}
	bg, err := c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"bat": {Keys: []map[string]types.AttributeValue{{"pk": s("1")}, {"pk": s("2")}, {"pk": s("nope")}}}}})
	if err != nil || len(bg.Responses["bat"]) != 2 {
		t.Fatalf("batch get: %v %v", err, bg)
	}
	_, err = c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"bat": {Keys: []map[string]types.AttributeValue{{"pk": s("1")}, {"pk": s("1")}}}}})
	wantErr(t, err, "ValidationException", "Provided list of item keys contains duplicates")

	tx := &dynamodb.TransactWriteItemsInput{ClientRequestToken: aws.String("tok1"), TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String("bat"), Item: map[string]types.AttributeValue{"pk": s("new"), "n": n("1")}}},
		{Update: &types.Update{TableName: aws.String("bat"), Key: map[string]types.AttributeValue{"pk": s("1")}, UpdateExpression: aws.String("SET n = :one"), ExpressionAttributeValues: map[string]types.AttributeValue{":one": n("1")}}},
	}}
	if _, err := c.TransactWriteItems(ctx, tx); err != nil {
		t.Fatal(err)
	}
	c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("bat"), Key: map[string]types.AttributeValue{"pk": s("new")}})
	if _, err := c.TransactWriteItems(ctx, tx); err != nil {
		t.Fatal(err)
	}
	g, _ := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("bat"), Key: map[string]types.AttributeValue{"pk": s("new")}})
	if g.Item != nil {
		t.Fatal("idempotent retry applied the transaction again")
	}
	tx.TransactItems = tx.TransactItems[:1]
	_, err = c.TransactWriteItems(ctx, tx)
	wantErr(t, err, "IdempotentParameterMismatchException", "Request parameters do not match the original request parameters for idempotency token")

	_, err = c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String("bat"), Item: map[string]types.AttributeValue{"pk": s("x")}}},
		{ConditionCheck: &types.ConditionCheck{TableName: aws.String("bat"), Key: map[string]types.AttributeValue{"pk": s("2")}, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
	}})
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) || len(tce.CancellationReasons) != 2 || *tce.CancellationReasons[0].Code != "None" || *tce.CancellationReasons[1].Code != "ConditionalCheckFailed" {
		t.Fatalf("cancel: %v", err)
	}
	wantErr(t, err, "TransactionCanceledException", "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]")
	g, _ = c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("bat"), Key: map[string]types.AttributeValue{"pk": s("x")}})
	if g.Item != nil {
		t.Fatal("cancelled transaction wrote")
	}
	tg, err := c.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
		{Get: &types.Get{TableName: aws.String("bat"), Key: map[string]types.AttributeValue{"pk": s("1")}}},
		{Get: &types.Get{TableName: aws.String("bat"), Key: map[string]types.AttributeValue{"pk": s("zz")}}},
	}})
	if err != nil || len(tg.Responses) != 2 || tg.Responses[0].Item["n"] == nil || tg.Responses[1].Item != nil {
		t.Fatalf("transact get: %v %+v", err, tg)
	}
}

func TestTTL(t *testing.T) {
	clk := clock.New()
	clk.Freeze()
	srv := servertest.Start(t, server.Options{Clock: clk}, ddb.New)
	c := dynamodb.NewFromConfig(servertest.Config(t, srv, "", ""), noCRC)
	createTable(t, c, "ttlt", false)
	if _, err := c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String("ttlt"),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("exp"), Enabled: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	exp := clk.Now().Add(time.Hour).Unix()
	c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("ttlt"), Item: map[string]types.AttributeValue{"pk": s("a"), "exp": n(fmt.Sprint(exp))}})
	clk.Advance(30 * time.Minute)
	g, _ := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("ttlt"), Key: map[string]types.AttributeValue{"pk": s("a")}})
	if g.Item == nil {
		t.Fatal("expired early")
	}
	clk.Advance(31 * time.Minute)
	g, _ = c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("ttlt"), Key: map[string]types.AttributeValue{"pk": s("a")}})
	if g.Item != nil {
		t.Fatal("not expired")
	}
	d, _ := c.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String("ttlt")})
	if d.TimeToLiveDescription.TimeToLiveStatus != types.TimeToLiveStatusEnabled {
		t.Fatalf("ttl: %+v", d.TimeToLiveDescription)
	}
}

// noCRC turns off the SDK's x-amz-crc32 check: the awsJson codec does not
// send that header yet (see the package README).
func noCRC(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true }
