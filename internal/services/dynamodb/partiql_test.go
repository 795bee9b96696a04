package dynamodb_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func TestPartiQL(t *testing.T) {
	c := newClient(t)
	createTable(t, c, "pql", true)
	exec := func(stmt string, params ...types.AttributeValue) (*dynamodb.ExecuteStatementOutput, error) {
		return c.ExecuteStatement(ctx, &dynamodb.ExecuteStatementInput{Statement: aws.String(stmt), Parameters: params})
	}
	for i := 1; i <= 5; i++ {
		if _, err := exec(`INSERT INTO "pql" VALUE {'pk': 'a', 'sk': ?, 'color': ?, 'tags': <<'x', 'y'>>}`,
			n(string(rune('0'+i))), s([]string{"", "red", "blue", "red", "green", "red"}[i])); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := exec(`INSERT INTO pql VALUE {'pk': 'b', 'sk': 1, 'm': {'deep': [1, 2]}}`); err != nil {
		t.Fatal(err)
	}
	_, err := exec(`INSERT INTO "pql" VALUE {'pk': 'a', 'sk': 1}`)
	wantErr(t, err, "DuplicateItemException", "Duplicate primary key exists in table")

	out, err := exec(`SELECT * FROM "pql" WHERE pk = 'a' AND sk BETWEEN 2 AND 4`)
	if err != nil || sks(out.Items) != "2,3,4" {
		t.Fatalf("BETWEEN: %v %s", err, sks(out.Items))
	}
	out, err = exec(`SELECT sk, color FROM "pql" WHERE pk = ? AND (color = 'red' OR sk IN [2]) AND NOT sk = 5`, s("a"))
	if err != nil || sks(out.Items) != "1,2,3" || len(out.Items[0]) != 2 {
		t.Fatalf("OR/IN/NOT: %v %s %+v", err, sks(out.Items), out.Items)
	}
	out, err = exec(`SELECT * FROM "pql" WHERE begins_with(color, 'gr') AND attribute_exists(tags) AND m IS MISSING`)
	if err != nil || sks(out.Items) != "4" {
		t.Fatalf("scan with functions: %v %s", err, sks(out.Items))
	}
	out, err = exec(`SELECT m.deep[1] FROM "pql" WHERE pk = 'b' AND sk >= 1 AND sk <= 1 AND sk <> 2 AND sk > 0 AND sk < 9`)
	if err != nil || len(out.Items) != 1 || out.Items[0]["m"].(*types.AttributeValueMemberM).Value["deep"].(*types.AttributeValueMemberL).Value[0].(*types.AttributeValueMemberN).Value != "2" {
		t.Fatalf("nested projection: %v %+v", err, out.Items)
	}
	// Limit and NextToken page through a partition.
	var got []string
	var token *string
	for pages := 0; ; pages++ {
		o, err := c.ExecuteStatement(ctx, &dynamodb.ExecuteStatementInput{Statement: aws.String(`SELECT * FROM "pql" WHERE pk = 'a'`),
			Limit: aws.Int32(2), NextToken: token, ConsistentRead: aws.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		if s := sks(o.Items); s != "" {
			got = append(got, s)
		}
		if o.NextToken == nil {
			break
		}
		if pages > 5 {
			t.Fatal("NextToken never ends")
		}
		token = o.NextToken
	}
	if strings.Join(got, "|") != "1,2|3,4|5" {
		t.Fatalf("pages: %v", got)
	}
	_, err = c.ExecuteStatement(ctx, &dynamodb.ExecuteStatementInput{Statement: aws.String(`SELECT * FROM "pql"`), NextToken: aws.String("!!")})
	wantErr(t, err, "ValidationException", "Invalid NextToken")

	// UPDATE and DELETE need the whole key; their other conditions are checked.
	if _, err := exec(`UPDATE "pql" SET color = ?, n = 1 REMOVE tags WHERE pk = 'a' AND sk = 1`, s("black")); err != nil {
		t.Fatal(err)
	}
	if _, err := exec(`UPDATE "pql" SET n = n + 5 WHERE pk = 'a' AND sk = 1 AND color = 'black'`); err != nil {
		t.Fatal(err)
	}
	out, _ = exec(`SELECT * FROM "pql" WHERE pk = 'a' AND sk = 1`)
	if it := out.Items[0]; it["n"].(*types.AttributeValueMemberN).Value != "6" || it["color"].(*types.AttributeValueMemberS).Value != "black" || it["tags"] != nil {
		t.Fatalf("after UPDATE: %+v", it)
	}
	_, err = exec(`UPDATE "pql" SET n = 0 WHERE pk = 'a' AND sk = 1 AND color = 'white'`)
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		t.Fatalf("UPDATE condition: %v", err)
	}
	_, err = exec(`UPDATE "pql" SET n = 0 WHERE pk = 'a' AND sk = 99`)
	if !errors.As(err, &ccf) {
		t.Fatalf("UPDATE of a missing item: %v", err)
	}
	_, err = exec(`UPDATE "pql" SET n = 0 WHERE pk = 'a'`)
	wantErr(t, err, "ValidationException", "Where clause does not contain a mandatory equality on all key attributes")
	_, err = exec(`DELETE FROM "pql" WHERE color = 'red'`)
	wantErr(t, err, "ValidationException", "Where clause does not contain a mandatory equality on all key attributes")
	if _, err := exec(`DELETE FROM "pql" WHERE pk = 'a' AND sk = 5`); err != nil {
		t.Fatal(err)
	}
	out, _ = exec(`SELECT * FROM "pql" WHERE pk = 'a'`)
	if sks(out.Items) != "1,2,3,4" {
		t.Fatalf("after DELETE: %s", sks(out.Items))
	}

	// Errors.
	_, err = exec(`SELECT * FROM "nope" WHERE pk = 'a'`)
	wantErr(t, err, "ResourceNotFoundException", "Requested resource not found")
	_, err = exec(`SELECT * FROM "pql" WHERE pk = 'a' AND`)
	wantErr(t, err, "ValidationException", "Statement wasn't well formed, can't be processed: Missing right-hand side expression of infix operator")
	_, err = exec(`SELECT * FROM "pql" p WHERE pk = 'a'`)
	wantErr(t, err, "ValidationException", "Aliasing is not supported")
	_, err = exec(`SELECT * FROM "pql" WHERE pk = ?`)
	wantErr(t, err, "ValidationException", "Number of parameters in request and statement doesn't match.")
	_, err = exec(`SELECT * FROM "pql"."nope"`)
	wantErr(t, err, "ValidationException", "The table does not have the specified index: nope")
}

func TestPartiQLBatchAndTransaction(t *testing.T) {
	c := newClient(t)
	createTable(t, c, "pqb", true)
	b, err := c.BatchExecuteStatement(ctx, &dynamodb.BatchExecuteStatementInput{Statements: []types.BatchStatementRequest{
		{Statement: aws.String(`INSERT INTO "pqb" VALUE {'pk': 'a', 'sk': 1, 'v': 'one'}`)},
		{Statement: aws.String(`INSERT INTO "pqb" VALUE {'pk': 'a', 'sk': 2, 'v': 'two'}`)},
		{Statement: aws.String(`INSERT INTO "pqb" VALUE {'pk': 'a', 'sk': 1}`)},
		{Statement: aws.String(`INSERT INTO "missing" VALUE {'pk': 'a', 'sk': 1}`)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if b.Responses[0].Error != nil || b.Responses[1].Error != nil || b.Responses[2].Error == nil || b.Responses[2].Error.Code != types.BatchStatementErrorCodeEnumDuplicateItem ||
		b.Responses[3].Error.Code != types.BatchStatementErrorCodeEnumResourceNotFound {
		t.Fatalf("batch writes: %+v", b.Responses)
	}
	b, err = c.BatchExecuteStatement(ctx, &dynamodb.BatchExecuteStatementInput{Statements: []types.BatchStatementRequest{
		{Statement: aws.String(`SELECT v FROM "pqb" WHERE pk = ? AND sk = ?`), Parameters: []types.AttributeValue{s("a"), n("2")}},
		{Statement: aws.String(`SELECT * FROM "pqb" WHERE pk = 'a'`)},
		{Statement: aws.String(`SELECT * FROM "pqb" WHERE pk = 'a' AND sk = 9`)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if b.Responses[0].Item["v"].(*types.AttributeValueMemberS).Value != "two" || *b.Responses[0].TableName != "pqb" ||
		b.Responses[1].Error == nil || b.Responses[1].Error.Code != types.BatchStatementErrorCodeEnumValidationError || b.Responses[2].Item != nil || b.Responses[2].Error != nil {
		t.Fatalf("batch reads: %+v", b.Responses)
	}
	_, err = c.BatchExecuteStatement(ctx, &dynamodb.BatchExecuteStatementInput{Statements: []types.BatchStatementRequest{
		{Statement: aws.String(`SELECT * FROM "pqb" WHERE pk = 'a' AND sk = 1`)},
		{Statement: aws.String(`DELETE FROM "pqb" WHERE pk = 'a' AND sk = 1`)},
	}})
	wantErr(t, err, "ValidationException", "Batch statements must be either all reads or all writes")

	_, err = c.ExecuteTransaction(ctx, &dynamodb.ExecuteTransactionInput{TransactStatements: []types.ParameterizedStatement{
		{Statement: aws.String(`UPDATE "pqb" SET v = 'uno' WHERE pk = 'a' AND sk = 1`)},
		{Statement: aws.String(`INSERT INTO "pqb" VALUE {'pk': 'a', 'sk': 2}`)},
	}})
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) || len(tce.CancellationReasons) != 2 || *tce.CancellationReasons[0].Code != "None" || *tce.CancellationReasons[1].Code != "DuplicateItem" {
		t.Fatalf("transaction cancel: %v", err)
	}
	if _, err := c.ExecuteTransaction(ctx, &dynamodb.ExecuteTransactionInput{TransactStatements: []types.ParameterizedStatement{
		{Statement: aws.String(`UPDATE "pqb" SET v = 'uno' WHERE pk = 'a' AND sk = 1`)},
		{Statement: aws.String(`INSERT INTO "pqb" VALUE {'pk': 'a', 'sk': 3, 'v': 'tres'}`)},
		{Statement: aws.String(`DELETE FROM "pqb" WHERE pk = 'a' AND sk = 2`)},
	}}); err != nil {
		t.Fatal(err)
	}
	r, err := c.ExecuteTransaction(ctx, &dynamodb.ExecuteTransactionInput{TransactStatements: []types.ParameterizedStatement{
		{Statement: aws.String(`SELECT v FROM "pqb" WHERE pk = 'a' AND sk = 1`)},
		{Statement: aws.String(`SELECT v FROM "pqb" WHERE pk = 'a' AND sk = 2`)},
		{Statement: aws.String(`SELECT v FROM "pqb" WHERE pk = 'a' AND sk = 3`)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Responses[0].Item["v"].(*types.AttributeValueMemberS).Value != "uno" || r.Responses[1].Item != nil || r.Responses[2].Item["v"].(*types.AttributeValueMemberS).Value != "tres" {
		t.Fatalf("transaction reads: %+v", r.Responses)
	}
	_, err = c.ExecuteTransaction(ctx, &dynamodb.ExecuteTransactionInput{TransactStatements: []types.ParameterizedStatement{
		{Statement: aws.String(`SELECT * FROM "pqb" WHERE`)},
	}})
	wantErr(t, err, "ValidationException", "Validation failed in TransactStatements[0]: Statement wasn't well formed, can't be processed: Unexpected term")
}
