// Package services lists every service Virga implements, in one place:
// adding a service means adding a line here.
package services

import (
	"context"

	"github.com/virga-aws/virga/internal/bus"
	"github.com/virga-aws/virga/internal/service"
	"github.com/virga-aws/virga/internal/services/dynamodb"
	"github.com/virga-aws/virga/internal/services/dynamodbstreams"
	"github.com/virga-aws/virga/internal/services/lambda"
	"github.com/virga-aws/virga/internal/services/logs"
	"github.com/virga-aws/virga/internal/services/s3"
	"github.com/virga-aws/virga/internal/services/sqs"
	"github.com/virga-aws/virga/internal/services/sts"
)

// All constructs every implemented service. Services that other services
// use in-process (DynamoDB for its streams, CloudWatch Logs for Lambda's
// function output, S3 for Lambda's code) are built first and handed on.
func All(deps service.Deps) ([]*service.Service, error) {
	var out []*service.Service
	add := func(s *service.Service, err error) error {
		if err == nil {
			out = append(out, s)
		}
		return err
	}
	ddb, ddbService, err := dynamodb.Build(deps)
	if err := add(ddbService, err); err != nil {
		return nil, err
	}
	if err := add(dynamodbstreams.Constructor(ddb)(deps)); err != nil {
		return nil, err
	}
	logsService, logStore, err := logs.NewWithStore(deps)
	if err := add(logsService, err); err != nil {
		return nil, err
	}
	s3Service, s3Objects, err := s3.NewWithObjects(deps)
	if err := add(s3Service, err); err != nil {
		return nil, err
	}
	lambdaService := lambda.NewWithOptions(lambda.Options{Logs: lambda.CloudWatchLogs(logStore), Destinations: busDestinations{deps.Bus}, Code: s3Objects})
	for _, build := range []func(service.Deps) (*service.Service, error){
		lambdaService,
		sqs.New,
		sts.New,
	} {
		if err := add(build(deps)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// busDestinations sends Lambda's asynchronous results and dead letters over
// the bus to the service that owns the destination ARN.
type busDestinations struct{ bus *bus.Bus }

// Deliver sends body, with string attributes, to the resource arn names.
func (d busDestinations) Deliver(ctx context.Context, arn string, body []byte, attributes map[string]string) error {
	return d.bus.Deliver(ctx, bus.Message{Target: arn, Body: body, Attributes: attributes})
}
