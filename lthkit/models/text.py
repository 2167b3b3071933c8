"""The NLP models: Kim's text CNN and a 2-layer BiLSTM [TXT], and the 20 Newsgroups
"End2End" multi-branch CNN [UNV20 after PVD18]. All output logits (1 for binary tasks)."""
import keras

from lthkit.layers import (MaskedConv1D, MaskedDense, MaskedEmbedding, MaskedLSTM,
                           WindowMaxPool1D)


def _outputs(x, num_classes, initializer):
    units = 1 if num_classes == 2 else num_classes
    return MaskedDense(units, prune_kind="output", kernel_initializer=initializer,
                       name="output")(x)


def text_cnn(vocab_size=50_002, max_len=400, num_classes=2, embed_dim=100, filters=100,
             kernel_sizes=(3, 4, 5), dropout=0.5, initializer="glorot_normal"):
    """Embedding -> Conv1D(k=3,4,5) -> max pool over the text -> concat -> dropout -> logits.

    With the defaults: 5,120,801 parameters (IMDb), 5,121,704 with 4 classes (AG News).
    The model takes texts of any length (``max_len`` is the longest the data holds): the max
    pool skips windows that reach into the padding (``WindowMaxPool1D``), so a text's logits
    are the same however much padding its batch adds, and batches can be cut to their
    longest text.
    """
    from lthkit.models import length_fits_kernels
    length_fits_kernels({"kernel_sizes": kernel_sizes}, max_len)
    tokens = keras.Input((None,), dtype="int32", name="tokens")
    x = MaskedEmbedding(vocab_size, embed_dim, embeddings_initializer=initializer,
                        name="embedding")(tokens)
    branches = []
    for k in kernel_sizes:
        b = MaskedConv1D(filters, k, activation="relu", kernel_initializer=initializer,
                         name=f"conv{k}")(x)
        branches.append(WindowMaxPool1D(k, name=f"maxpool{k}")([b, tokens]))
    x = keras.layers.Concatenate(name="concat")(branches) if len(branches) > 1 else branches[0]
    x = keras.layers.Dropout(dropout, name="dropout")(x)
    return keras.Model(tokens, _outputs(x, num_classes, initializer), name="text_cnn")


def text_lstm(vocab_size=25_002, max_len=400, num_classes=2, embed_dim=100, units=256,
              layers=2, dropout=0.5, initializer="glorot_normal"):
    """Embedding -> `layers` bidirectional LSTMs -> dropout -> logits on the final features.

    4,806,761 parameters for IMDb with the defaults (Keras keeps one LSTM bias vector,
    PyTorch two: [TXT]'s 4,810,857 minus 4,096). Padding (id 0) is masked, so it never
    reaches the final state: a text's logits do not depend on how much padding follows it
    ([TXT] fed packed sequences, to the same effect), and batches can be cut to their
    longest text. `max_len` is the longest text the data hold.
    """
    tokens = keras.Input((None,), dtype="int32", name="tokens")
    x = MaskedEmbedding(vocab_size, embed_dim, embeddings_initializer=initializer,
                        mask_zero=True, name="embedding")(tokens)
    for i in range(1, layers + 1):
        x = keras.layers.Bidirectional(
            MaskedLSTM(units, return_sequences=i < layers, kernel_initializer=initializer,
                       name=f"lstm{i}"), name=f"bilstm{i}")(x)
    x = keras.layers.Dropout(dropout, name="dropout")(x)
    return keras.Model(tokens, _outputs(x, num_classes, initializer), name="text_lstm")


def end2end(vocab_size=61_188, max_len=200, num_classes=20, embed_dim=300, filters=3,
            kernel_sizes=(1, 4, 7, 10, 13, 16, 19, 22), pools=(2, 7), dropout=0.5,
            initializer="glorot_normal"):
    """16 branches (8 kernel sizes x 2 pool sizes), each with its own embedding table.

    Defaults follow [UNV20]: 293,702,400 embedding weights; use a smaller vocabulary or
    `embed_dim` on a CPU.
    """
    tokens = keras.Input((max_len,), dtype="int32", name="tokens")
    features = []
    for q, tag in zip(pools, "AB"):
        for j, k in enumerate(kernel_sizes, start=1):
            name = f"{tag}{j}"
            x = MaskedEmbedding(vocab_size, embed_dim, embeddings_initializer=initializer,
                                name=f"{name}_embedding")(tokens)
            x = MaskedConv1D(filters, k, padding="same", kernel_initializer=initializer,
                             name=f"{name}_conv")(x)
            x = keras.layers.AveragePooling1D(q, name=f"{name}_avgpool")(x)
            x = keras.layers.Dropout(dropout, name=f"{name}_dropout")(x)
            features.append(keras.layers.GlobalAveragePooling1D(name=f"{name}_gap")(x))
    x = keras.layers.Concatenate(name="concat")(features)
    x = keras.layers.Dropout(dropout, name="dropout")(x)
    return keras.Model(tokens, _outputs(x, num_classes, initializer), name="end2end")
