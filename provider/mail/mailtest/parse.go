package mailtest

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"strings"
)

// parse decodes a message's Subject and its text/plain body (the first
// text/plain part of a multipart message).
func parse(data []byte) (subject, text string, err error) {
	msg, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return "", "", err
	}
	subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return "", "", fmt.Errorf("subject: %w", err)
	}
	text, err = decodeBody(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
	if err != nil {
		return subject, "", fmt.Errorf("body: %w", err)
	}
	return subject, text, nil
}

func decodeBody(contentType, encoding string, body io.Reader) (string, error) {
	if contentType == "" {
		contentType = "text/plain; charset=us-ascii"
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", err
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		parts := multipart.NewReader(body, params["boundary"])
		for {
			part, err := parts.NextRawPart()
			if errors.Is(err, io.EOF) {
				return "", errors.New("no text/plain part")
			} else if err != nil {
				return "", err
			}
			ct := part.Header.Get("Content-Type")
			if ct == "" || strings.HasPrefix(strings.ToLower(ct), "text/plain") {
				return decodeBody(ct, part.Header.Get("Content-Transfer-Encoding"), part)
			}
		}
	}
	if mediaType != "text/plain" {
		return "", fmt.Errorf("unexpected content type %q", mediaType)
	}
	if cs := strings.ToLower(params["charset"]); cs != "" && cs != "utf-8" && cs != "us-ascii" {
		return "", fmt.Errorf("unsupported charset %q", cs)
	}
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	case "", "7bit", "8bit", "binary":
	default:
		return "", fmt.Errorf("unsupported transfer encoding %q", encoding)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return "", err
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n"), nil
}
