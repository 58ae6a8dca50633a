package templates

import "slices"

// Questions are the security questions offered at setup: stable keys stored
// in the database, with the text translated at render time. Keys are never
// removed or renamed, or stored answers would lose their question.
var Questions = []string{"first_pet", "birth_city", "first_school", "childhood_friend", "first_job_city", "favourite_teacher"}

// QuestionKnown reports whether key is one of Questions.
func QuestionKnown(key string) bool {
	return slices.Contains(Questions, key)
}

// questionTexts holds the text of each question key.
var questionTexts = map[string]entry{
	"first_pet":         {"What was the name of your first pet?", "最初に飼ったペットの名前は？"},
	"birth_city":        {"In which city were you born?", "生まれた都市の名前は？"},
	"first_school":      {"What was the name of your first school?", "最初に通った学校の名前は？"},
	"childhood_friend":  {"What was the name of your best friend in childhood?", "子どもの頃の親友の名前は？"},
	"first_job_city":    {"In which city did you have your first job?", "最初に働いた都市の名前は？"},
	"favourite_teacher": {"What was the name of your favourite teacher?", "好きだった先生の名前は？"},
}
