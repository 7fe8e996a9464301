package sms

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
)

// SNS publishes messages directly to phone numbers through AWS SNS as
// transactional SMS, which carriers deliver with priority.
type SNS struct {
	Client *sns.Client
	// SenderID is the alphanumeric sender shown where the country allows
	// one; empty leaves it to the account's default.
	SenderID string
}

var _ Sender = (*SNS)(nil)

func (s *SNS) Send(ctx context.Context, to, body string) error {
	attrs := map[string]types.MessageAttributeValue{
		"AWS.SNS.SMS.SMSType": {DataType: aws.String("String"), StringValue: aws.String("Transactional")},
	}
	if s.SenderID != "" {
		attrs["AWS.SNS.SMS.SenderID"] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(s.SenderID)}
	}
	_, err := s.Client.Publish(ctx, &sns.PublishInput{
		PhoneNumber:       aws.String(to),
		Message:           aws.String(body),
		MessageAttributes: attrs,
	})
	if err != nil {
		// The SDK error names the operation and status, never the body.
		return fmt.Errorf("sns publish: %w", err)
	}
	return nil
}
