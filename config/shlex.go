package config

import (
	"errors"
	"strings"
)

// shlexSplit splits s like Python's shlex.split(s) (POSIX mode, no comments),
// which is how gunicorn reads GUNICORN_CMD_ARGS (Config.get_cmd_args_from_env).
// Single quotes are literal; inside double quotes a backslash escapes only
// '"' and '\'; outside quotes it escapes any character. An empty quoted
// string yields an empty word.
func shlexSplit(s string) ([]string, error) {
	const (
		stWhite = iota
		stWord
		stSingle
		stDouble
		stEscape
	)
	var (
		words   []string
		cur     strings.Builder
		inWord  bool
		state   = stWhite
		escFrom int // state to return to after an escape
	)
	flush := func() {
		if inWord {
			words = append(words, cur.String())
		}
		cur.Reset()
		inWord = false
	}
	for _, r := range s {
		switch state {
		case stWhite, stWord:
			switch {
			case r == ' ' || r == '\t' || r == '\r' || r == '\n':
				flush()
				state = stWhite
			case r == '\\':
				inWord, escFrom, state = true, stWord, stEscape
			case r == '\'':
				inWord, state = true, stSingle
			case r == '"':
				inWord, state = true, stDouble
			default:
				inWord, state = true, stWord
				cur.WriteRune(r)
			}
		case stSingle:
			if r == '\'' {
				state = stWord
			} else {
				cur.WriteRune(r)
			}
		case stDouble:
			switch r {
			case '"':
				state = stWord
			case '\\':
				escFrom, state = stDouble, stEscape
			default:
				cur.WriteRune(r)
			}
		case stEscape:
			if escFrom == stDouble && r != '"' && r != '\\' {
				cur.WriteRune('\\')
			}
			cur.WriteRune(r)
			state = escFrom
		}
	}
	switch state {
	case stSingle, stDouble:
		return nil, errors.New("No closing quotation")
	case stEscape:
		return nil, errors.New("No escaped character")
	}
	flush()
	return words, nil
}
