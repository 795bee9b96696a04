package bench

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// sqsMessageBody is the ~100-byte body every SQS workload sends.
var sqsMessageBody = strings.Repeat("virga-bench message body ", 4)

// errEmptyReceive reports a ReceiveMessage that returned no message although
// the worker had just sent one.
var errEmptyReceive = errors.New("ReceiveMessage returned no message")

// createQueue creates the workload's queue and returns its URL.
func createQueue(ctx context.Context, client *sqs.Client, env Env) (string, error) {
	out, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("vb-" + env.RunID)})
	if err != nil {
		return "", fmt.Errorf("CreateQueue: %w", err)
	}
	if out.QueueUrl == nil {
		return "", errors.New("CreateQueue: no QueueUrl in the response")
	}
	return *out.QueueUrl, nil
}

// deleteQueue removes the workload's queue.
func deleteQueue(ctx context.Context, client *sqs.Client, queueURL string) error {
	if _, err := client.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: &queueURL}); err != nil {
		return fmt.Errorf("DeleteQueue: %w", err)
	}
	return nil
}

// sqsSend is the Setup of sqs-send: every iteration sends one message to a
// queue created in setup.
func sqsSend(ctx context.Context, env Env) (*Prepared, error) {
	client := sqs.NewFromConfig(env.Config)
	queueURL, err := createQueue(ctx, client, env)
	if err != nil {
		return nil, err
	}
	return &Prepared{
		NewIteration: func(int) Iteration {
			in := &sqs.SendMessageInput{QueueUrl: &queueURL, MessageBody: &sqsMessageBody}
			return func(ctx context.Context) error {
				_, err := client.SendMessage(ctx, in)
				return err
			}
		},
		Teardown: func(ctx context.Context) error { return deleteQueue(ctx, client, queueURL) },
	}, nil
}

// sqsSendReceiveDelete is the Setup of sqs-send-recv-del: every iteration
// sends a message, receives one message and deletes what it received.
func sqsSendReceiveDelete(ctx context.Context, env Env) (*Prepared, error) {
	client := sqs.NewFromConfig(env.Config)
	queueURL, err := createQueue(ctx, client, env)
	if err != nil {
		return nil, err
	}
	return &Prepared{
		NewIteration: func(int) Iteration {
			send := &sqs.SendMessageInput{QueueUrl: &queueURL, MessageBody: &sqsMessageBody}
			receive := &sqs.ReceiveMessageInput{QueueUrl: &queueURL, MaxNumberOfMessages: 1}
			del := &sqs.DeleteMessageInput{QueueUrl: &queueURL}
			return func(ctx context.Context) error {
				if _, err := client.SendMessage(ctx, send); err != nil {
					return err
				}
				out, err := client.ReceiveMessage(ctx, receive)
				if err != nil {
					return err
				}
				if len(out.Messages) == 0 {
					return errEmptyReceive
				}
				del.ReceiptHandle = out.Messages[0].ReceiptHandle
				_, err = client.DeleteMessage(ctx, del)
				return err
			}
		},
		Teardown: func(ctx context.Context) error { return deleteQueue(ctx, client, queueURL) },
	}, nil
}
