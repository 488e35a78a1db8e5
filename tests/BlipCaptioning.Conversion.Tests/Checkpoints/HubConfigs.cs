namespace BlipCaptioning.Conversion.Tests.Checkpoints;

/// <summary>
/// The config.json of Salesforce/blip-image-captioning-base as the hub holds it (transformers 4.26's full dump, text
/// heads fixed to 12 by hub PR #13; no encoder_hidden_size, so transformers' default 768 applies).
/// </summary>
internal static class HubConfigs
{
    public const string BaseConfig = """
        {
          "_commit_hash": null,
          "architectures": ["BlipForConditionalGeneration"],
          "image_text_hidden_size": 256,
          "initializer_factor": 1.0,
          "logit_scale_init_value": 2.6592,
          "model_type": "blip",
          "projection_dim": 512,
          "text_config": {
            "attention_probs_dropout_prob": 0.0,
            "bos_token_id": 30522,
            "do_sample": false,
            "early_stopping": false,
            "eos_token_id": 2,
            "hidden_act": "gelu",
            "hidden_dropout_prob": 0.0,
            "hidden_size": 768,
            "initializer_range": 0.02,
            "intermediate_size": 3072,
            "is_decoder": true,
            "layer_norm_eps": 1e-12,
            "length_penalty": 1.0,
            "max_length": 20,
            "max_position_embeddings": 512,
            "min_length": 0,
            "model_type": "blip_text_model",
            "no_repeat_ngram_size": 0,
            "num_attention_heads": 12,
            "num_beams": 1,
            "num_hidden_layers": 12,
            "pad_token_id": 0,
            "projection_dim": 768,
            "repetition_penalty": 1.0,
            "sep_token_id": 102,
            "temperature": 1.0,
            "tie_word_embeddings": true,
            "top_k": 50,
            "top_p": 1.0,
            "use_cache": true,
            "vocab_size": 30524
          },
          "torch_dtype": "float32",
          "transformers_version": null,
          "vision_config": {
            "attention_dropout": 0.0,
            "dropout": 0.0,
            "hidden_act": "gelu",
            "hidden_size": 768,
            "image_size": 384,
            "initializer_factor": 1.0,
            "initializer_range": 1e-10,
            "intermediate_size": 3072,
            "layer_norm_eps": 1e-05,
            "model_type": "blip_vision_model",
            "num_attention_heads": 12,
            "num_channels": 3,
            "num_hidden_layers": 12,
            "patch_size": 16,
            "projection_dim": 512
          }
        }
        """;

    public const string BasePreprocessor = """
        {"do_normalize": true, "do_resize": true,
         "image_mean": [0.48145466, 0.4578275, 0.40821073],
         "image_processor_type": "BlipImageProcessor",
         "image_std": [0.26862954, 0.26130258, 0.27577711],
         "processor_class": "BlipProcessor", "size": 384}
        """;
}
