"""Writes a 100-id WordPiece tokenizer.json for bert_make.py's tiny BERT and 80 sentences of its words.

usage: encoder_text.py tokenizer.json text.txt
"""
import json
import random
import sys

WORDS = ("the a compiler model layer weight bit scale token sentence text reads writes measures "
         "keeps rounds packs runs small large fast slow every each one two four eight sixteen "
         "quantized float integer group channel matrix vector input output budget plan report "
         "file error value loss size memory kernel thread core cache row column block tile").split()


def main():
    tok_path, text_path = sys.argv[1], sys.argv[2]
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
    vocab = {t: i for i, t in enumerate(specials + WORDS)}
    assert len(vocab) <= 100
    tok = {"version": "1.0", "truncation": None, "padding": None, "added_tokens": [],
           "normalizer": {"type": "BertNormalizer", "clean_text": True,
                          "handle_chinese_chars": True, "strip_accents": None, "lowercase": True},
           "pre_tokenizer": {"type": "BertPreTokenizer"},
           "post_processor": {"type": "TemplateProcessing",
                              "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                                         {"Sequence": {"id": "A", "type_id": 0}},
                                         {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
                              "pair": [],
                              "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [2],
                                                           "tokens": ["[CLS]"]},
                                                 "[SEP]": {"id": "[SEP]", "ids": [3],
                                                           "tokens": ["[SEP]"]}}},
           "decoder": None,
           "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                     "max_input_chars_per_word": 100, "vocab": vocab}}
    with open(tok_path, "w") as f:
        json.dump(tok, f)
    rng = random.Random(5)
    with open(text_path, "w") as f:
        for i in range(80):
            n = rng.randint(3, 11)
            f.write(" ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + ".\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
