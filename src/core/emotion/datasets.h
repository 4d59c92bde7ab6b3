#pragma once
/// Readers for the emotion corpora and for the TSV files `muse emotion eval` takes.
/// GoEmotions ships train/dev/test; KOTE here is only its 4,790-row validation split (mapped
/// to Ekman), which Muse splits 70/15/15 itself by a hash of the text; EmoBank has a split column.
#include <filesystem>
#include <string>
#include <vector>

#include "emotion/labels.h"

namespace muse::emotion {

struct Example {
  std::string text;
  LabelSet labels = 0;
  uint32_t fine = 0;  ///< optional finer labels (bit i = fine label i), e.g. GoEmotions' 28
};

struct VaExample {
  std::string text;
  float valence = 0, arousal = 0;  ///< EmoBank scale, 1..5
  std::string source;  ///< EmoBank: the document the sentence came from (id up to its first '_')
};

template <class T>
struct Splits {
  std::vector<T> train, dev, test;
};

/// GoEmotions `ekman/` folder: labels.txt + {train,dev,test}.tsv (`text<TAB>indices<TAB>id`).
Splits<Example> load_goemotions(const std::filesystem::path& ekman_dir);

/// GoEmotions with both label sets: Ekman labels from `ekman_dir` and the 28 original labels
/// (as Example::fine) from `original_dir` (the same comments, line by line; checked). Fills
/// `fine_names` and `fine_to_ekman` (each fine label's Ekman group, read off the training rows
/// that carry a single fine label).
Splits<Example> load_goemotions_fine(const std::filesystem::path& original_dir,
                                     const std::filesystem::path& ekman_dir,
                                     std::vector<std::string>* fine_names,
                                     std::vector<uint8_t>* fine_to_ekman);

/// KOTE `val_ekman.tsv` (`text<TAB>names`), split deterministically: fnv1a(text) % 100 in
/// [0,70) train, [70,85) dev, [85,100) test.
Splits<Example> load_kote(const std::filesystem::path& val_ekman_tsv);

/// Korean chatbot questions (`Q,A,label`, songys/Chatbot_data) as weakly labelled Korean
/// examples: label 1 (breakup / negative) -> sadness, and with `with_love`, label 2
/// (love / positive) -> joy. Label 0 (everyday) is not used: it mixes neutral and negative.
std::vector<Example> load_korean_chatbot(const std::filesystem::path& csv, bool with_love);

/// EmoBank `emobank.csv` (`id,split,V,A,D,text`) by its split column.
Splits<VaExample> load_emobank(const std::filesystem::path& csv);

/// `text<TAB>comma-separated label names` per line. Errors name the file and line.
std::vector<Example> read_labelled_tsv(const std::filesystem::path& path);
void write_labelled_tsv(const std::filesystem::path& path, const std::vector<Example>& rows);

/// `text<TAB>valence<TAB>arousal` per line (EmoBank scale).
std::vector<VaExample> read_va_tsv(const std::filesystem::path& path);
void write_va_tsv(const std::filesystem::path& path, const std::vector<VaExample>& rows);

}  // namespace muse::emotion
