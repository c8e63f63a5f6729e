"""Writes a GGUF file holding only the toy tokenizer as tokenizer.ggml.* arrays (model "gpt2",
the same vocabulary as `make_toy_tokenizer.py --merge`: 256 byte tokens, 3 special tokens and the
merge "Ġ t" -> "Ġt" = 259), with the `gguf` package.
Usage: make_toy_gguf.py OUT.gguf [smollm2|llama2]: with a second argument, also the
tokenizer.chat_template of SmolLM2-135M-Instruct's GGUF (ChatML with a default system message)
or a Llama-2-style [INST] template.
"""
import sys

import gguf
import numpy as np

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from make_toy_tokenizer import bytes_to_unicode  # noqa: E402


SMOLLM2_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face"
    "<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + "
    "'<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}"
    "{{ '<|im_start|>assistant\n' }}{% endif %}")
LLAMA2_TEMPLATE = "{% for message in messages %}[INST] {{ message['content'] }} [/INST]{% endfor %}"


def main():
    table = bytes_to_unicode()
    tokens = [table[b] for b in range(256)] + ["<|endoftext|>", "<|im_start|>", "<|im_end|>",
                                                "\u0120t"]
    types = [gguf.TokenType.NORMAL] * 256 + [gguf.TokenType.CONTROL] * 3 + [gguf.TokenType.NORMAL]
    w = gguf.GGUFWriter(sys.argv[1], "llama")
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("gpt2")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(["\u0120 t"])
    w.add_eos_token_id(256)
    if len(sys.argv) > 2:
        w.add_chat_template({"smollm2": SMOLLM2_TEMPLATE, "llama2": LLAMA2_TEMPLATE}[sys.argv[2]])
    w.add_tensor("dummy", np.zeros(4, dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


if __name__ == "__main__":
    main()
