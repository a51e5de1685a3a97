// Type-aware lint: floating promises are the classic bug of fire-and-forget flushing.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  // Build and coverage output (ESLint already skips every node_modules).
  { ignores: ["dist/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ["*.js"] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-restricted-syntax": ["error", { selector: "ExportAllDeclaration", message: "Export names explicitly." }],
      "max-lines": ["error", { max: 400, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    files: ["src/**/*.ts"],
    ignores: ["src/cli/**"], // the CLI's job is to print
    rules: { "no-console": "error" },
  },
  {
    files: ["test/**/*.ts"],
    rules: {
      "@typescript-eslint/no-non-null-assertion": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "max-lines": "off",
    },
  },
  { files: ["*.js"], ...tseslint.configs.disableTypeChecked },
  // The viewer's page scripts: plain browser ES modules, served as they are (no build step).
  {
    files: ["viewer-assets/**/*.js"],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      sourceType: "module",
      parserOptions: { projectService: false, project: null },
      globals: Object.fromEntries(
        ["window", "document", "location", "history", "fetch", "EventSource", "URLSearchParams", "Node", "MouseEvent", "console", "performance"].map((name) => [name, "readonly"]),
      ),
    },
  },
);
