package alerting

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/slack-go/slack"

	"github.com/driftmon/driftmon/drift"
)

// Slack posts messages with a bot token (chat.postMessage, resolutions in
// the thread of the message that announced the alert) or, without a
// token, to an incoming webhook, which cannot thread.
type Slack struct {
	Token   string
	Channel string
	// APIURL replaces Slack's API base URL (tests, proxies); it ends in a
	// slash, as slack-go expects.
	APIURL     string
	WebhookURL string
	Client     *http.Client
}

// Notify implements Notifier. The response of a bot-token post is
// "CHANNEL TS", the thread later resolutions reply in.
func (s *Slack) Notify(ctx context.Context, m *Message, prior Prior) (string, error) {
	blocks := Blocks(m)
	text := summary(m)
	client := s.Client
	if client == nil {
		client = http.DefaultClient
	}
	if s.Token == "" {
		err := slack.PostWebhookCustomHTTPContext(ctx, s.WebhookURL, client,
			&slack.WebhookMessage{Text: text, Blocks: &slack.Blocks{BlockSet: blocks}})
		return "", slackError(err)
	}
	opts := []slack.Option{slack.OptionHTTPClient(client)}
	if s.APIURL != "" {
		api := s.APIURL
		if !strings.HasSuffix(api, "/") {
			api += "/"
		}
		opts = append(opts, slack.OptionAPIURL(api))
	}
	api := slack.New(s.Token, opts...)
	channel := s.Channel
	msgOpts := []slack.MsgOption{slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...)}
	if m.Status == drift.AlertResolved {
		// A resolution replies in the thread of the message that told of
		// the alert; without one (it was never sent) it stands alone.
		for _, a := range m.Alerts {
			if a.FiredIn == "" {
				continue
			}
			resp, ok, err := prior(ctx, a.FiredIn)
			if err != nil {
				return "", &DeliveryError{Retry: true, Err: fmt.Errorf("look up thread: %w", err)}
			}
			if ch, ts, found := strings.Cut(resp, " "); ok && found {
				channel = ch
				msgOpts = append(msgOpts, slack.MsgOptionTS(ts))
				break
			}
		}
	}
	ch, ts, err := api.PostMessageContext(ctx, channel, msgOpts...)
	if err != nil {
		return "", slackError(err)
	}
	return ch + " " + ts, nil
}

// slackError classifies slack-go's errors; the token and webhook URL
// never appear in them.
func slackError(err error) error {
	if err == nil {
		return nil
	}
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return &DeliveryError{Retry: true, After: rl.RetryAfter, Status: http.StatusTooManyRequests, Err: errors.New("rate limited")}
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) {
		return &DeliveryError{Retry: sc.Retryable(), Status: sc.Code, Err: errors.New(sc.Status)}
	}
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		// Slack answered ok=false (channel_not_found, invalid_auth, ...):
		// the request is wrong, except when Slack itself is struggling.
		retry := se.Err == "ratelimited" || se.Err == "internal_error" || se.Err == "fatal_error" || se.Err == "service_unavailable"
		return &DeliveryError{Retry: retry, Answer: se.Err, Err: errors.New("slack: " + se.Err)}
	}
	return &DeliveryError{Retry: true, Err: transportError(err)}
}

func summary(m *Message) string {
	firing, resolved := 0, 0
	for _, a := range m.Alerts {
		if a.Status == drift.AlertFiring {
			firing++
		} else {
			resolved++
		}
	}
	return fmt.Sprintf("driftmon: %s version %s: %d firing, %d resolved", m.Model, m.ModelVersion, firing, resolved)
}

// Blocks renders a message in Block Kit: a header with the model, the
// window, one section per alert with its statistic against its threshold,
// and the links.
func Blocks(m *Message) []slack.Block {
	title := fmt.Sprintf(":rotating_light: %s (version %s): drift alert", m.Model, m.ModelVersion)
	if m.Status == drift.AlertResolved {
		title = fmt.Sprintf(":white_check_mark: %s (version %s): resolved", m.Model, m.ModelVersion)
	}
	if len(title) > 150 {
		title = title[:150] // Slack's limit for a header
	}
	blocks := []slack.Block{
		slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, title, true, false)),
		slack.NewContextBlock("window", slack.NewTextBlockObject(slack.MarkdownType,
			fmt.Sprintf("Window %d: %s to %s", m.Window.Seq, m.Window.Start.Format("2006-01-02 15:04:05Z"),
				m.Window.End.Format("2006-01-02 15:04:05Z")), false, false)),
	}
	// Slack refuses more than 50 blocks; 40 alerts leave room for the rest.
	const maxAlerts = 40
	for i, a := range m.Alerts {
		if i == maxAlerts {
			blocks = append(blocks, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType,
				fmt.Sprintf("… and %d more", len(m.Alerts)-maxAlerts), false, false), nil, nil))
			break
		}
		blocks = append(blocks, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, alertLine(a), false, false), nil, nil))
	}
	var links []string
	if m.Links.Dashboard != "" {
		links = append(links, "<"+m.Links.Dashboard+"|Dashboard>")
	}
	if m.Links.View != "" {
		links = append(links, "<"+m.Links.View+"|Alerts>")
	}
	if m.Links.Results != "" {
		links = append(links, "<"+m.Links.Results+"|Results (JSON)>")
	}
	if len(links) > 0 {
		blocks = append(blocks, slack.NewContextBlock("links",
			slack.NewTextBlockObject(slack.MarkdownType, strings.Join(links, " · "), false, false)))
	}
	return blocks
}

func alertLine(a Alert) string {
	what := a.Feature
	if what == "" {
		what = a.Family
	}
	state := "*FIRING*"
	switch {
	case a.Status == drift.AlertResolved:
		state = "*resolved*"
	case a.Repeat:
		state = "*still firing*"
	}
	line := fmt.Sprintf("%s `%s` (%s, %s): %s = %.4g vs threshold %.4g", state, what, a.Rule, a.Severity, a.Method, a.Statistic, a.Threshold)
	if a.PValue != nil {
		line += fmt.Sprintf(", p = %.3g", *a.PValue)
	}
	return line
}
