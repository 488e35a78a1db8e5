using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using BlipCaptioning.Cli.Commands;

namespace BlipCaptioning.Cli;

/// <summary>Builds the <c>blip</c> command tree and runs it; Program.cs and the tests both call <see cref="InvokeAsync"/>.</summary>
internal static class BlipCli
{
    public static RootCommand CreateRootCommand()
    {
        var root = new RootCommand("blip: BLIP image captioning on ONNX Runtime. Get a model (blip model fetch), then caption images (blip caption PATH...).\n" + ExitCodes.Summary);
        var model = new Command("model", "Get a BLIP model: fetch it from the Hugging Face hub, build it from a checkpoint folder, or make one with random weights.");
        root.Subcommands.Add(model);
        model.Subcommands.Add(ModelFetchCommand.Create());
        model.Subcommands.Add(ModelBuildCommand.Create());
        model.Subcommands.Add(ModelRandomCommand.Create());
        // Commands register themselves here, one line each.
        root.Subcommands.Add(CaptionCommand.Create());
        root.Subcommands.Add(PreprocessCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        return root;
    }

    /// <summary>
    /// Parses and runs a command line. A usage error (an unknown option, a bad or missing value) does nothing but
    /// say what is wrong and how the command is used, on stderr, with exit code <see cref="ExitCodes.Usage"/>.
    /// </summary>
    public static async Task<int> InvokeAsync(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        var parse = CreateRootCommand().Parse(args);
        error ??= Console.Error;
        var problems = UsageProblems(parse);
        if (problems.Count > 0)
        {
            string command = CommandPath(parse.CommandResult.Command);
            foreach (string problem in problems)
            {
                await error.WriteLineAsync($"{command}: {problem}");
            }

            await error.WriteLineAsync($"Usage: {Usage(parse.CommandResult.Command)}");
            await error.WriteLineAsync($"Run '{command} --help' for every option.");
            return ExitCodes.Usage;
        }

        // Ctrl+C (SIGINT) cancels the command's token; it then has this long to stop cleanly before the process
        // ends with 130 anyway.
        var configuration = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(5) };
        if (output is not null)
        {
            configuration.Output = output;
        }

        configuration.Error = error;
        return await parse.InvokeAsync(configuration);
    }

    /// <summary>
    /// The parser's errors, plus options it did not know that it took for file names: System.CommandLine gives a
    /// command's list argument (<c>blip caption PATHS</c>) every token it cannot match, so <c>--max-new-token 5</c>
    /// would otherwise be captioned as two files. A path that starts with '-' can still be given after <c>--</c>.
    /// </summary>
    private static List<string> UsageProblems(ParseResult parse)
    {
        if (parse.Action is ParseErrorAction)
        {
            return [.. parse.Errors.Select(e => e.Message).Distinct(StringComparer.Ordinal)];
        }

        if (parse.Action != parse.CommandResult.Command.Action)
        {
            return []; // --help, --version: nothing runs.
        }

        if (parse.CommandResult.Command.Action is null)
        {
            string names = string.Join(", ", parse.CommandResult.Command.Subcommands.Select(c => c.Name));
            return [$"which command? One of: {names}."];
        }

        int doubleDash = parse.Tokens.ToList().FindIndex(t => t.Type == TokenType.DoubleDash);
        var problems = new List<string>();
        foreach (var argument in parse.CommandResult.Command.Arguments)
        {
            if (parse.GetResult(argument) is not { } result)
            {
                continue;
            }

            foreach (var token in result.Tokens)
            {
                bool afterDoubleDash = doubleDash >= 0 && IndexOf(parse.Tokens, token) > doubleDash;
                if (token.Value.Length > 1 && token.Value[0] == '-' && !afterDoubleDash)
                {
                    problems.Add($"unknown option '{token.Value}'. (To name a file that starts with '-', write ./{token.Value} or put it after --.)");
                }
            }
        }

        return problems;
    }

    private static int IndexOf(IReadOnlyList<Token> tokens, Token token)
    {
        for (int i = 0; i < tokens.Count; i++)
        {
            if (ReferenceEquals(tokens[i], token))
            {
                return i;
            }
        }

        return -1;
    }

    private static string CommandPath(Command command)
    {
        var names = new List<string>();
        for (Symbol? symbol = command; symbol is Command c; symbol = c.Parents.FirstOrDefault())
        {
            names.Insert(0, c is RootCommand ? "blip" : c.Name);
        }

        return string.Join(' ', names);
    }

    private static string Usage(Command command)
    {
        var parts = new List<string> { CommandPath(command) };
        if (command.Subcommands.Count > 0)
        {
            parts.Add("<command>");
        }

        foreach (var argument in command.Arguments)
        {
            string name = $"<{argument.Name}>";
            parts.Add(argument.Arity.MaximumNumberOfValues > 1 ? $"{name}..." : name);
        }

        if (command.Options.Any(o => o.Name is not "--help" and not "--version" and not "-h"))
        {
            parts.Add("[options]");
        }

        return string.Join(' ', parts);
    }
}
