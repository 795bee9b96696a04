package lambda

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/virga-aws/virga/internal/server"
)

// tinyZip is a package that is never run.
func tinyZip(t *testing.T) []byte {
	return makeZip(t, file{name: "bootstrap", body: []byte("#!/bin/sh\nexit 1\n"), exec: true})
}

func TestPolicy(t *testing.T) {
	e := start(t, server.Options{}, Options{})
	ctx := context.Background()
	e.create(t, "pol", "provided.al2023", "bootstrap", tinyZip(t), func(in *awslambda.CreateFunctionInput) { in.Publish = true })
	if _, err := e.client.CreateAlias(ctx, &awslambda.CreateAliasInput{FunctionName: aws.String("pol"), Name: aws.String("prod"), FunctionVersion: aws.String("1")}); err != nil {
		t.Fatal(err)
	}
	arn := fnARN + "pol"

	_, err := e.client.GetPolicy(ctx, &awslambda.GetPolicyInput{FunctionName: aws.String("pol")})
	mustFail(t, err, "ResourceNotFoundException", "The resource you requested does not exist.")
	_, err = e.client.GetPolicy(ctx, &awslambda.GetPolicyInput{FunctionName: aws.String("nope")})
	mustFail(t, err, "ResourceNotFoundException", "Function not found: "+fnARN+"nope")

	add := func(in *awslambda.AddPermissionInput) (string, error) {
		in.FunctionName = aws.String("pol")
		if in.Action == nil {
			in.Action = aws.String("lambda:InvokeFunction")
		}
		out, err := e.client.AddPermission(ctx, in)
		if err != nil {
			return "", err
		}
		return *out.Statement, nil
	}
	st, err := add(&awslambda.AddPermissionInput{StatementId: aws.String("s3"), Principal: aws.String("s3.amazonaws.com"),
		SourceArn: aws.String("arn:aws:s3:::my-bucket"), SourceAccount: aws.String("123456789012")})
	if err != nil {
		t.Fatal(err)
	}
	s3Statement := `{"Sid":"s3","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"` + arn +
		`","Condition":{"StringEquals":{"AWS:SourceAccount":"123456789012"},"ArnLike":{"AWS:SourceArn":"arn:aws:s3:::my-bucket"}}}`
	if st != s3Statement {
		t.Fatalf("statement\n got %s\nwant %s", st, s3Statement)
	}
	st, err = add(&awslambda.AddPermissionInput{StatementId: aws.String("xacct"), Principal: aws.String("111122223333"),
		PrincipalOrgID: aws.String("o-abcdefghij"), Action: aws.String("lambda:GetFunction")})
	if err != nil {
		t.Fatal(err)
	}
	acctStatement := `{"Sid":"xacct","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"lambda:GetFunction","Resource":"` + arn +
		`","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abcdefghij"}}}`
	if st != acctStatement {
		t.Fatalf("statement\n got %s\nwant %s", st, acctStatement)
	}
	st, err = add(&awslambda.AddPermissionInput{StatementId: aws.String("url"), Principal: aws.String("*"),
		Action: aws.String("lambda:InvokeFunctionUrl"), FunctionUrlAuthType: types.FunctionUrlAuthTypeNone})
	if err != nil {
		t.Fatal(err)
	}
	urlStatement := `{"Sid":"url","Effect":"Allow","Principal":"*","Action":"lambda:InvokeFunctionUrl","Resource":"` + arn +
		`","Condition":{"StringEquals":{"lambda:FunctionUrlAuthType":"NONE"}}}`
	if st != urlStatement {
		t.Fatalf("statement\n got %s\nwant %s", st, urlStatement)
	}

	_, err = add(&awslambda.AddPermissionInput{StatementId: aws.String("s3"), Principal: aws.String("sns.amazonaws.com")})
	mustFail(t, err, "ResourceConflictException", "The statement id (s3) provided already exists. Please provide a new statement id, or remove the existing statement.")
	_, err = add(&awslambda.AddPermissionInput{StatementId: aws.String("who"), Principal: aws.String("somebody")})
	mustFail(t, err, "InvalidParameterValueException", "The provided principal was invalid. Please check the principal and try again.")
	_, err = add(&awslambda.AddPermissionInput{StatementId: aws.String("l"), Principal: aws.String("*"), Qualifier: aws.String("$LATEST")})
	mustFail(t, err, "InvalidParameterValueException", "We currently do not support adding policies for $LATEST.")
	_, err = add(&awslambda.AddPermissionInput{StatementId: aws.String("r"), Principal: aws.String("*"), RevisionId: aws.String("stale")})
	mustFail(t, err, "PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id")
	_, err = add(&awslambda.AddPermissionInput{StatementId: aws.String("q"), Principal: aws.String("*"), Qualifier: aws.String("nosuch")})
	mustFail(t, err, "ResourceNotFoundException", "Cannot find alias arn: "+arn+":nosuch")
	_, err = add(&awslambda.AddPermissionInput{StatementId: aws.String("q"), Principal: aws.String("*"), Qualifier: aws.String("7")})
	mustFail(t, err, "ResourceNotFoundException", "Function not found: "+arn+":7")

	pol, err := e.client.GetPolicy(ctx, &awslambda.GetPolicyInput{FunctionName: aws.String("pol")})
	if err != nil {
		t.Fatal(err)
	}
	wantDoc := `{"Version":"2012-10-17","Id":"default","Statement":[` + s3Statement + "," + acctStatement + "," + urlStatement + "]}"
	if *pol.Policy != wantDoc {
		t.Fatalf("policy\n got %s\nwant %s", *pol.Policy, wantDoc)
	}
	fn, _ := e.client.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String("pol")})
	if *pol.RevisionId != *fn.Configuration.RevisionId {
		t.Fatalf("policy RevisionId %s, function's %s", *pol.RevisionId, *fn.Configuration.RevisionId)
	}
	// The policy's RevisionId is a precondition for changes.
	if _, err := add(&awslambda.AddPermissionInput{StatementId: aws.String("sns"), Principal: aws.String("sns.amazonaws.com"), RevisionId: pol.RevisionId}); err != nil {
		t.Fatal(err)
	}

	// Versions and aliases have policies of their own; the same Sid may
	// appear in each.
	st, err = add(&awslambda.AddPermissionInput{StatementId: aws.String("s3"), Principal: aws.String("s3.amazonaws.com"), Qualifier: aws.String("prod")})
	if err != nil || !strings.Contains(st, `"Resource":"`+arn+`:prod"`) {
		t.Fatalf("alias statement %s %v", st, err)
	}
	prod, err := e.client.GetPolicy(ctx, &awslambda.GetPolicyInput{FunctionName: aws.String("pol:prod")})
	alias, _ := e.client.GetAlias(ctx, &awslambda.GetAliasInput{FunctionName: aws.String("pol"), Name: aws.String("prod")})
	if err != nil || *prod.Policy != `{"Version":"2012-10-17","Id":"default","Statement":[`+st+"]}" || *prod.RevisionId != *alias.RevisionId {
		t.Fatalf("alias policy %v %v", prod, err)
	}
	_, err = e.client.GetPolicy(ctx, &awslambda.GetPolicyInput{FunctionName: aws.String("pol"), Qualifier: aws.String("1")})
	mustFail(t, err, "ResourceNotFoundException", "The resource you requested does not exist.")

	remove := func(sid, qualifier string, revision *string) error {
		in := &awslambda.RemovePermissionInput{FunctionName: aws.String("pol"), StatementId: aws.String(sid), RevisionId: revision}
		if qualifier != "" {
			in.Qualifier = aws.String(qualifier)
		}
		_, err := e.client.RemovePermission(ctx, in)
		return err
	}
	mustFail(t, remove("nope", "", nil), "ResourceNotFoundException", "Statement nope is not found in resource policy.")
	mustFail(t, remove("s3", "", aws.String("stale")), "PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id")
	mustFail(t, remove("s3", "1", nil), "ResourceNotFoundException", "No policy is associated with the given resource.")
	_, err = e.client.RemovePermission(ctx, &awslambda.RemovePermissionInput{FunctionName: aws.String("nope"), StatementId: aws.String("s3")})
	mustFail(t, err, "ResourceNotFoundException", "No policy found for: "+fnARN+"nope")
	for _, sid := range []string{"s3", "xacct", "url", "sns"} {
		if err := remove(sid, "", nil); err != nil {
			t.Fatalf("remove %s: %v", sid, err)
		}
	}
	_, err = e.client.GetPolicy(ctx, &awslambda.GetPolicyInput{FunctionName: aws.String("pol")})
	mustFail(t, err, "ResourceNotFoundException", "The resource you requested does not exist.")
	if _, err := e.client.GetPolicy(ctx, &awslambda.GetPolicyInput{FunctionName: aws.String("pol"), Qualifier: aws.String("prod")}); err != nil {
		t.Fatalf("alias policy after the function's went: %v", err)
	}

	// A policy is at most 20480 bytes.
	long := "arn:aws:execute-api:us-east-1:123456789012:api/" + strings.Repeat("x", 900)
	var last error
	for i := 0; i < 40 && last == nil; i++ {
		_, last = add(&awslambda.AddPermissionInput{StatementId: aws.String("big" + string(rune('a'+i))), Principal: aws.String("apigateway.amazonaws.com"), SourceArn: aws.String(long)})
	}
	ae := apiError(t, last, "PolicyLengthExceededException")
	if !regexp.MustCompile(`^The final policy size \(\d+\) is bigger than the limit \(20480\)\.$`).MatchString(ae.ErrorMessage()) {
		t.Fatalf("message %q", ae.ErrorMessage())
	}
	pol, err = e.client.GetPolicy(ctx, &awslambda.GetPolicyInput{FunctionName: aws.String("pol")})
	if err != nil || len(*pol.Policy) > 20480 || len(*pol.Policy) < 19000 {
		t.Fatalf("policy of %d bytes after the limit: %v", len(*pol.Policy), err)
	}
}
