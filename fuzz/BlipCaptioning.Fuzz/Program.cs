using BlipCaptioning.Fuzz;

// blip image fuzzer (docs/fuzzing.md):
//   BlipCaptioning.Fuzz                  run under afl-fuzz (scripts/fuzz.sh), reading each input from stdin
//   BlipCaptioning.Fuzz seeds DIR        write the seed corpus (small images of every accepted format) into DIR
//   BlipCaptioning.Fuzz replay FILE...   run inputs once each and say what the loader did (to triage findings)
return args switch
{
    ["seeds", string directory] => SeedCorpus.Write(directory),
    ["replay", .. string[] files] when files.Length > 0 => ImageLoadingTarget.Replay(files),
    [] => ImageLoadingTarget.RunUnderAfl(),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: BlipCaptioning.Fuzz [seeds DIR | replay FILE...]   (no arguments: run under afl-fuzz)");
    return 2;
}
