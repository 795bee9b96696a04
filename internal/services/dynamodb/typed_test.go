package dynamodb_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// TestModelValidationThroughSDK sends requests the gateway decodes
// straight into the typed input (valid ones, and ones with escapes and
// multi-byte text) and requests that fail model validation, whose
// ValidationException the tree path words: violations in model member
// order, at most ten.
func TestModelValidationThroughSDK(t *testing.T) {
	c := newClient(t)
	createTable(t, c, "typed", true)
	tn := aws.String("typed")
	text := "quote \" backslash \\ newline \n tab \t é 日本 \u2028 <&>"
	item := map[string]types.AttributeValue{
		"pk": s("a\"b"), "sk": n("1"), "text": s(text),
		"nested": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"l":  &types.AttributeValueMemberL{Value: []types.AttributeValue{s("x"), n("2.50"), &types.AttributeValueMemberBOOL{Value: true}, &types.AttributeValueMemberNULL{Value: true}}},
			"b":  &types.AttributeValueMemberB{Value: []byte{0, 1, 255}},
			"ss": &types.AttributeValueMemberSS{Value: []string{"p", "q"}},
		}},
	}
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tn, Item: item, ReturnValues: types.ReturnValueAllOld}); err != nil {
		t.Fatal(err)
	}
	out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: tn, Key: map[string]types.AttributeValue{"pk": s("a\"b"), "sk": n("1")}, ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if got := out.Item["text"].(*types.AttributeValueMemberS).Value; got != text {
		t.Fatalf("text = %q, want %q", got, text)
	}
	l := out.Item["nested"].(*types.AttributeValueMemberM).Value["l"].(*types.AttributeValueMemberL).Value
	if len(l) != 4 || l[1].(*types.AttributeValueMemberN).Value != "2.5" {
		t.Fatalf("nested list %#v", l)
	}

	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tn, Item: item, ReturnValues: "SOME"})
	wantErr(t, err, "ValidationException", "1 validation error detected: Value 'SOME' at 'returnValues' failed to satisfy constraint: "+
		"Member must satisfy enum value set: [NONE, ALL_OLD, UPDATED_OLD, ALL_NEW, UPDATED_NEW]")

	_, err = c.Query(ctx, &dynamodb.QueryInput{TableName: tn, IndexName: aws.String("a b"), Select: "X", Limit: aws.Int32(0),
		KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("a")}})
	wantErr(t, err, "ValidationException", "3 validation errors detected: "+
		"Value 'a b' at 'indexName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; "+
		"Value 'X' at 'select' failed to satisfy constraint: Member must satisfy enum value set: [ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES, SPECIFIC_ATTRIBUTES, COUNT]; "+
		"Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1")

	var items []types.TransactWriteItem
	for i := 0; i < 11; i++ {
		items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: tn, Item: item, ReturnValuesOnConditionCheckFailure: "X"}})
	}
	_, err = c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	want := "Value 'X' at 'transactItems.member.1.put.returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]"
	var msg string
	var ae smithy.APIError
	if errors.As(err, &ae) {
		msg = ae.ErrorMessage()
	}
	if !strings.HasPrefix(msg, "10 validation errors detected: "+want+"; ") || strings.Count(msg, "; ") != 9 || strings.Contains(msg, "member.11.") {
		t.Fatalf("TransactWriteItems: %v", err)
	}
}
