//go:build linux

package readmetest

import (
	"strings"
	"testing"
)

// shellLanguages are the info strings of the fenced blocks whose lines are
// commands.
var shellLanguages = map[string]bool{"sh": true, "bash": true, "shell": true, "console": true}

// block is one fenced shell block of the README.
type block struct {
	line     int    // of the opening fence, from 1
	fence    string // the opening fence line as written, e.g. "```sh"
	commands []command
}

// command is one command of a block: a line, with the lines its trailing
// backslashes continue it onto.
type command struct {
	line int    // where it starts, from 1
	text string // as written, continuation lines included; what runs
}

// key is the command on one line (each backslash-newline and the next line's
// indentation become one space): how the test's table names it.
func (c command) key() string {
	lines := strings.Split(c.text, "\n")
	for i := range lines {
		lines[i] = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(lines[i]), `\`))
	}
	return strings.Join(lines, " ")
}

// shellBlocks returns the fenced shell blocks of a Markdown text and their
// commands, skipping blank lines and comment lines. In a console block only
// the lines after a "$ " prompt are commands.
func shellBlocks(markdown string) []block {
	var blocks []block
	lines := strings.Split(markdown, "\n")
	for i := 0; i < len(lines); i++ {
		indent, info, ok := openingFence(lines[i])
		if !ok {
			continue
		}
		b := block{line: i + 1, fence: strings.TrimSpace(lines[i])}
		shell := shellLanguages[info]
		var open *command
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
			if !shell {
				continue
			}
			l := strings.TrimPrefix(lines[i], indent)
			if open != nil {
				open.text += "\n" + l
			} else {
				if info == "console" {
					var prompt bool
					if l, prompt = strings.CutPrefix(l, "$ "); !prompt {
						continue
					}
				}
				if t := strings.TrimSpace(l); t == "" || strings.HasPrefix(t, "#") {
					continue
				}
				b.commands = append(b.commands, command{line: i + 1, text: l})
				open = &b.commands[len(b.commands)-1]
			}
			if !strings.HasSuffix(strings.TrimRight(l, " \t"), `\`) {
				open = nil
			}
		}
		if shell {
			blocks = append(blocks, b)
		}
	}
	return blocks
}

// openingFence reports whether line opens a fenced block, with its
// indentation and info string.
func openingFence(line string) (indent, info string, ok bool) {
	trimmed := strings.TrimLeft(line, " ")
	rest, ok := strings.CutPrefix(trimmed, "```")
	if !ok || strings.HasPrefix(rest, "`") {
		return "", "", false
	}
	return line[:len(line)-len(trimmed)], strings.TrimSpace(rest), true
}

func TestShellBlocks(t *testing.T) {
	md := "text\n\n```sh\n# comment\ngo run ./x\n\nA=1 b \\\n  --c d\n```\n\n```yaml\nk: v\n```\n\n" +
		"- item\n\n  ```console\n  $ otpgate version\n  otpgate dev\n  ```\n\n```\nplain\n```\n"
	blocks := shellBlocks(md)
	if len(blocks) != 2 {
		t.Fatalf("got %d shell blocks, want 2: %+v", len(blocks), blocks)
	}
	got := []string{}
	for _, b := range blocks {
		for _, c := range b.commands {
			got = append(got, c.key())
		}
	}
	want := []string{"go run ./x", "A=1 b --c d", "otpgate version"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("commands = %q, want %q", got, want)
	}
	if c := blocks[0].commands[1]; c.line != 7 || c.text != "A=1 b \\\n  --c d" {
		t.Errorf("continued command = %d %q", c.line, c.text)
	}
}
