package dynamodb_test

import (
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func cond(op types.ComparisonOperator, vals ...types.AttributeValue) types.Condition {
	return types.Condition{ComparisonOperator: op, AttributeValueList: vals}
}

func expect(op types.ComparisonOperator, vals ...types.AttributeValue) types.ExpectedAttributeValue {
	return types.ExpectedAttributeValue{ComparisonOperator: op, AttributeValueList: vals}
}

func wantConditionFailed(t *testing.T, err error) {
	t.Helper()
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		t.Fatalf("got %v, want ConditionalCheckFailedException", err)
	}
}

// sks returns the sort keys of items, in order.
func sks(items []map[string]types.AttributeValue) string {
	var out []string
	for _, it := range items {
		out = append(out, it["sk"].(*types.AttributeValueMemberN).Value)
	}
	return strings.Join(out, ",")
}

func TestLegacyExpected(t *testing.T) {
	c := newClient(t)
	createTable(t, c, "lgx", false)
	tbl := aws.String("lgx")
	put := func(item map[string]types.AttributeValue, exp map[string]types.ExpectedAttributeValue, op types.ConditionalOperator) error {
		_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item, Expected: exp, ConditionalOperator: op})
		return err
	}
	item := map[string]types.AttributeValue{"pk": s("a"), "n": n("5"), "name": s("alpha"),
		"tags": &types.AttributeValueMemberSS{Value: []string{"x", "y"}}}
	if err := put(item, map[string]types.ExpectedAttributeValue{"pk": {Exists: aws.Bool(false)}}, ""); err != nil {
		t.Fatal(err)
	}
	wantConditionFailed(t, put(item, map[string]types.ExpectedAttributeValue{"pk": {Exists: aws.Bool(false)}}, ""))
	// Exists (default true) with Value is an equality test.
	if err := put(item, map[string]types.ExpectedAttributeValue{"n": {Value: n("5.0")}}, ""); err != nil {
		t.Fatalf("Value equal: %v", err)
	}
	wantConditionFailed(t, put(item, map[string]types.ExpectedAttributeValue{"n": {Value: n("6"), Exists: aws.Bool(true)}}, ""))

	pass := []map[string]types.ExpectedAttributeValue{
		{"n": expect(types.ComparisonOperatorGt, n("4"))},
		{"n": expect(types.ComparisonOperatorGe, n("5"))},
		{"n": expect(types.ComparisonOperatorLt, n("6"))},
		{"n": expect(types.ComparisonOperatorLe, n("5"))},
		{"n": expect(types.ComparisonOperatorNe, n("4"))},
		{"n": expect(types.ComparisonOperatorEq, n("5"))},
		{"n": expect(types.ComparisonOperatorBetween, n("1"), n("5"))},
		{"n": expect(types.ComparisonOperatorIn, n("9"), n("5"))},
		{"name": expect(types.ComparisonOperatorBeginsWith, s("al"))},
		{"name": expect(types.ComparisonOperatorContains, s("ph"))},
		{"tags": expect(types.ComparisonOperatorContains, s("y"))},
		{"tags": expect(types.ComparisonOperatorNotContains, s("z"))},
		{"name": expect(types.ComparisonOperatorNotNull)},
		{"missing": expect(types.ComparisonOperatorNull)},
		{"n": expect(types.ComparisonOperatorGt, n("4")), "name": expect(types.ComparisonOperatorEq, s("alpha"))},
	}
	for i, exp := range pass {
		if err := put(item, exp, ""); err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
	}
	fail := []map[string]types.ExpectedAttributeValue{
		{"n": expect(types.ComparisonOperatorGt, n("5"))},
		{"n": expect(types.ComparisonOperatorBetween, n("6"), n("9"))},
		{"n": expect(types.ComparisonOperatorIn, n("1"), n("2"))},
		{"name": expect(types.ComparisonOperatorBeginsWith, s("be"))},
		{"tags": expect(types.ComparisonOperatorNotContains, s("x"))},
		{"missing": expect(types.ComparisonOperatorNotContains, s("x"))},
		{"missing": expect(types.ComparisonOperatorNotNull)},
		{"name": expect(types.ComparisonOperatorNull)},
		{"n": expect(types.ComparisonOperatorGt, n("4")), "name": expect(types.ComparisonOperatorEq, s("beta"))},
	}
	for _, exp := range fail {
		wantConditionFailed(t, put(item, exp, ""))
	}
	// ConditionalOperator OR needs only one condition to hold.
	orExp := map[string]types.ExpectedAttributeValue{"n": expect(types.ComparisonOperatorGt, n("4")), "name": expect(types.ComparisonOperatorEq, s("beta"))}
	if err := put(item, orExp, types.ConditionalOperatorOr); err != nil {
		t.Fatalf("OR: %v", err)
	}
	wantConditionFailed(t, put(item, orExp, types.ConditionalOperatorAnd))

	// DeleteItem and UpdateItem take Expected too.
	_, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: tbl, Key: map[string]types.AttributeValue{"pk": s("a")},
		Expected: map[string]types.ExpectedAttributeValue{"n": {Value: n("7")}}})
	wantConditionFailed(t, err)
	_, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tbl, Key: map[string]types.AttributeValue{"pk": s("a")},
		AttributeUpdates: map[string]types.AttributeValueUpdate{"n": {Value: n("7")}},
		Expected:         map[string]types.ExpectedAttributeValue{"n": {Value: n("5")}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: tbl, Key: map[string]types.AttributeValue{"pk": s("a")},
		Expected: map[string]types.ExpectedAttributeValue{"n": {Value: n("7")}}}); err != nil {
		t.Fatal(err)
	}

	// Errors in the legacy parameters.
	errCases := []struct {
		exp  map[string]types.ExpectedAttributeValue
		want string
	}{
		{map[string]types.ExpectedAttributeValue{"n": {Value: n("1"), Exists: aws.Bool(false)}},
			"One or more parameter values were invalid: Value cannot be used when Exists is false for Attribute: n"},
		{map[string]types.ExpectedAttributeValue{"n": {Value: n("1"), ComparisonOperator: types.ComparisonOperatorEq, AttributeValueList: []types.AttributeValue{n("1")}}},
			"One or more parameter values were invalid: Value and ComparisonOperator cannot be used together for Attribute: n"},
		{map[string]types.ExpectedAttributeValue{"n": expect(types.ComparisonOperatorBetween, n("1"))},
			"One or more parameter values were invalid: Invalid number of argument(s) for the BETWEEN ComparisonOperator"},
		{map[string]types.ExpectedAttributeValue{"n": expect(types.ComparisonOperatorNull, n("1"))},
			"One or more parameter values were invalid: Invalid number of argument(s) for the NULL ComparisonOperator"},
		{map[string]types.ExpectedAttributeValue{"n": expect(types.ComparisonOperatorIn)},
			"One or more parameter values were invalid: Invalid number of argument(s) for the IN ComparisonOperator"},
	}
	for _, ec := range errCases {
		wantErr(t, put(item, ec.exp, ""), "ValidationException", ec.want)
	}
}

func TestLegacyReads(t *testing.T) {
	c := newClient(t)
	createTable(t, c, "lgr", true)
	tbl := aws.String("lgr")
	for i, p := range []string{"a", "a", "a", "a", "b"} {
		_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: map[string]types.AttributeValue{
			"pk": s(p), "sk": n(string(rune('1' + i))), "color": s([]string{"red", "blue", "red", "green", "red"}[i]), "w": n(string(rune('5' + i)))}})
		if err != nil {
			t.Fatal(err)
		}
	}
	g, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: tbl, Key: map[string]types.AttributeValue{"pk": s("a"), "sk": n("1")},
		AttributesToGet: []string{"color", "nope"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Item) != 1 || g.Item["color"].(*types.AttributeValueMemberS).Value != "red" {
		t.Fatalf("AttributesToGet: %+v", g.Item)
	}

	q, err := c.Query(ctx, &dynamodb.QueryInput{TableName: tbl, KeyConditions: map[string]types.Condition{
		"pk": cond(types.ComparisonOperatorEq, s("a")), "sk": cond(types.ComparisonOperatorBetween, n("2"), n("4"))}})
	if err != nil {
		t.Fatal(err)
	}
	if got := sks(q.Items); got != "2,3,4" {
		t.Fatalf("KeyConditions BETWEEN: %s", got)
	}
	q, err = c.Query(ctx, &dynamodb.QueryInput{TableName: tbl, ScanIndexForward: aws.Bool(false),
		KeyConditions:       map[string]types.Condition{"pk": cond(types.ComparisonOperatorEq, s("a"))},
		QueryFilter:         map[string]types.Condition{"color": cond(types.ComparisonOperatorEq, s("blue")), "w": cond(types.ComparisonOperatorGe, n("8"))},
		ConditionalOperator: types.ConditionalOperatorOr,
		AttributesToGet:     []string{"sk", "color"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := sks(q.Items); got != "4,2" || q.ScannedCount != 4 || len(q.Items[0]) != 2 {
		t.Fatalf("QueryFilter OR: %s scanned %d %+v", got, q.ScannedCount, q.Items)
	}
	q, err = c.Query(ctx, &dynamodb.QueryInput{TableName: tbl,
		KeyConditions: map[string]types.Condition{"pk": cond(types.ComparisonOperatorEq, s("a"))},
		QueryFilter:   map[string]types.Condition{"color": cond(types.ComparisonOperatorEq, s("red")), "w": cond(types.ComparisonOperatorGe, n("7"))}})
	if err != nil || sks(q.Items) != "3" {
		t.Fatalf("QueryFilter AND: %v %s", err, sks(q.Items))
	}
	_, err = c.Query(ctx, &dynamodb.QueryInput{TableName: tbl, KeyConditions: map[string]types.Condition{
		"pk": cond(types.ComparisonOperatorEq, s("a")), "sk": cond(types.ComparisonOperatorNe, n("2"))}})
	wantErr(t, err, "ValidationException", "Attempted conditional constraint is not an indexable operation")
	_, err = c.Query(ctx, &dynamodb.QueryInput{TableName: tbl, KeyConditions: map[string]types.Condition{
		"sk": cond(types.ComparisonOperatorEq, n("2"))}})
	wantErr(t, err, "ValidationException", "Query condition missed key schema element: pk")

	sc, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: tbl,
		ScanFilter:          map[string]types.Condition{"color": cond(types.ComparisonOperatorIn, s("blue"), s("green")), "pk": cond(types.ComparisonOperatorEq, s("b"))},
		ConditionalOperator: types.ConditionalOperatorOr})
	if err != nil {
		t.Fatal(err)
	}
	got := sks(sc.Items)
	parts := strings.Split(got, ",")
	sort.Strings(parts)
	if strings.Join(parts, ",") != "2,4,5" || sc.ScannedCount != 5 {
		t.Fatalf("ScanFilter OR: %s", got)
	}
	sc, err = c.Scan(ctx, &dynamodb.ScanInput{TableName: tbl, AttributesToGet: []string{"w"},
		ScanFilter: map[string]types.Condition{"color": cond(types.ComparisonOperatorEq, s("red")), "pk": cond(types.ComparisonOperatorEq, s("b"))}})
	if err != nil || len(sc.Items) != 1 || len(sc.Items[0]) != 1 || sc.Items[0]["w"].(*types.AttributeValueMemberN).Value != "9" {
		t.Fatalf("ScanFilter AND: %v %+v", err, sc.Items)
	}
}

func TestLegacyAttributeUpdates(t *testing.T) {
	c := newClient(t)
	createTable(t, c, "lgu", false)
	tbl := aws.String("lgu")
	key := map[string]types.AttributeValue{"pk": s("k")}
	update := func(u map[string]types.AttributeValueUpdate) (map[string]types.AttributeValue, error) {
		out, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tbl, Key: key, AttributeUpdates: u, ReturnValues: types.ReturnValueAllNew})
		if err != nil {
			return nil, err
		}
		return out.Attributes, nil
	}
	item, err := update(map[string]types.AttributeValueUpdate{
		"name":  {Value: s("x")}, // Action defaults to PUT
		"count": {Action: types.AttributeActionAdd, Value: n("3")},
		"tags":  {Action: types.AttributeActionAdd, Value: &types.AttributeValueMemberSS{Value: []string{"a", "b", "c"}}},
		"gone":  {Action: types.AttributeActionPut, Value: s("soon")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if item["count"].(*types.AttributeValueMemberN).Value != "3" || len(item["tags"].(*types.AttributeValueMemberSS).Value) != 3 || item["name"].(*types.AttributeValueMemberS).Value != "x" {
		t.Fatalf("first update: %+v", item)
	}
	item, err = update(map[string]types.AttributeValueUpdate{
		"name":  {Action: types.AttributeActionPut, Value: s("y")},
		"count": {Action: types.AttributeActionAdd, Value: n("-5")},
		"tags":  {Action: types.AttributeActionDelete, Value: &types.AttributeValueMemberSS{Value: []string{"a", "z"}}},
		"gone":  {Action: types.AttributeActionDelete},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := item["gone"]; ok {
		t.Fatalf("DELETE without value kept the attribute: %+v", item)
	}
	tags := item["tags"].(*types.AttributeValueMemberSS).Value
	sort.Strings(tags)
	if item["count"].(*types.AttributeValueMemberN).Value != "-2" || strings.Join(tags, ",") != "b,c" || item["name"].(*types.AttributeValueMemberS).Value != "y" {
		t.Fatalf("second update: %+v", item)
	}
	_, err = update(map[string]types.AttributeValueUpdate{"name": {Action: types.AttributeActionPut}})
	wantErr(t, err, "ValidationException", "One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified")
	_, err = update(map[string]types.AttributeValueUpdate{"pk": {Value: s("other")}})
	wantErr(t, err, "ValidationException", "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key")
}

func TestLegacyMixedWithExpressions(t *testing.T) {
	c := newClient(t)
	createTable(t, c, "lgm", true)
	tbl := aws.String("lgm")
	key := map[string]types.AttributeValue{"pk": s("a"), "sk": n("1")}
	const prefix = "Can not use both expression and non-expression parameters in the same request: "
	_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: key,
		Expected:            map[string]types.ExpectedAttributeValue{"x": {Exists: aws.Bool(false)}},
		ConditionExpression: aws.String("attribute_not_exists(x)")})
	wantErr(t, err, "ValidationException", prefix+"Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}")
	_, err = c.GetItem(ctx, &dynamodb.GetItemInput{TableName: tbl, Key: key, AttributesToGet: []string{"a"}, ProjectionExpression: aws.String("b")})
	wantErr(t, err, "ValidationException", prefix+"Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}")
	_, err = c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: tbl, Key: key,
		Expected:            map[string]types.ExpectedAttributeValue{"x": {Exists: aws.Bool(false)}},
		ConditionExpression: aws.String("attribute_not_exists(x)")})
	wantErr(t, err, "ValidationException", prefix+"Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}")
	_, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tbl, Key: key,
		AttributeUpdates:          map[string]types.AttributeValueUpdate{"a": {Value: s("x")}},
		UpdateExpression:          aws.String("SET b = :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": s("y")}})
	wantErr(t, err, "ValidationException", prefix+"Non-expression parameters: {AttributeUpdates} Expression parameters: {UpdateExpression}")
	_, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tbl, Key: key,
		Expected:                  map[string]types.ExpectedAttributeValue{"x": {Exists: aws.Bool(false)}},
		UpdateExpression:          aws.String("SET b = :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": s("y")}})
	wantErr(t, err, "ValidationException", prefix+"Non-expression parameters: {Expected} Expression parameters: {UpdateExpression}")
	_, err = c.Query(ctx, &dynamodb.QueryInput{TableName: tbl,
		KeyConditions:             map[string]types.Condition{"pk": cond(types.ComparisonOperatorEq, s("a"))},
		KeyConditionExpression:    aws.String("pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("a")}})
	wantErr(t, err, "ValidationException", prefix+"Non-expression parameters: {KeyConditions} Expression parameters: {KeyConditionExpression}")
	_, err = c.Query(ctx, &dynamodb.QueryInput{TableName: tbl, AttributesToGet: []string{"a"},
		KeyConditionExpression:    aws.String("pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("a")}})
	wantErr(t, err, "ValidationException", prefix+"Non-expression parameters: {AttributesToGet} Expression parameters: {KeyConditionExpression}")
	_, err = c.Scan(ctx, &dynamodb.ScanInput{TableName: tbl,
		ScanFilter:                map[string]types.Condition{"a": cond(types.ComparisonOperatorNotNull)},
		FilterExpression:          aws.String("b = :b"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":b": s("a")}})
	wantErr(t, err, "ValidationException", prefix+"Non-expression parameters: {ScanFilter} Expression parameters: {FilterExpression}")
	// Expression attribute values without any expression.
	_, err = c.Scan(ctx, &dynamodb.ScanInput{TableName: tbl,
		ScanFilter:                map[string]types.Condition{"a": cond(types.ComparisonOperatorNotNull)},
		ExpressionAttributeValues: map[string]types.AttributeValue{":b": s("a")}})
	wantErr(t, err, "ValidationException", "ExpressionAttributeValues can only be specified when using expressions")
}
