package login

import "testing"

func TestNext(t *testing.T) {
	tests := []struct {
		name string
		in   State
		want Step
	}{
		{"nothing done", State{QuestionEnabled: true}, StepPassword},
		{"nothing done, setup pending", State{MustSetup: true, QuestionEnabled: true}, StepPassword},
		{"password done, first sign-in", State{PasswordDone: true, MustSetup: true, QuestionEnabled: true}, StepSetup},
		{"setup beats an answered question", State{PasswordDone: true, MustSetup: true, QuestionEnabled: true, QuestionDone: true}, StepSetup},
		{"password done", State{PasswordDone: true, QuestionEnabled: true}, StepQuestion},
		{"question answered", State{PasswordDone: true, QuestionEnabled: true, QuestionDone: true}, StepDone},
		{"question off", State{PasswordDone: true}, StepDone},
		{"question off, first sign-in", State{PasswordDone: true, MustSetup: true}, StepSetup},
		{"question answered but password not", State{QuestionEnabled: true, QuestionDone: true}, StepPassword},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Next(tt.in); got != tt.want {
				t.Fatalf("Next(%+v) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}
